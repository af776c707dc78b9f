/// Where a record lives in a `SegmentStore`: the segment's sequence number (the `N` of `msgs.N`) and the byte
/// offset of the record's header in that file.
///
/// Positions order like the records were appended: by segment, then by offset. A position stays valid until
/// the record is acked; it is stable across restarts (recovery never moves a record).
public struct SegmentPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Sequence number of the segment file.
    public var segment: UInt32
    /// Byte offset of the record's header inside the segment file.
    public var offset: UInt32

    /// Creates a position.
    public init(segment: UInt32, offset: UInt32) {
        self.segment = segment
        self.offset = offset
    }

    public static func < (a: SegmentPosition, b: SegmentPosition) -> Bool {
        (a.segment, a.offset) < (b.segment, b.offset)
    }

    public var description: String { "\(segment):\(offset)" }
}
