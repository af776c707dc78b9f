/// What a `SegmentStore` keeps in memory about one segment file: where each record starts, which are acked,
/// and the state of the segment's ack file.
///
/// Four bytes plus one bit per record: enough to ack a position exactly once, to know a segment is fully
/// acked, and to compute a record's length (the next record's offset, or the segment end, minus the header)
/// without reading the file.
struct Segment {
    /// The `N` of `msgs.N`.
    let sequence: UInt32
    /// Offset of every record's header, ascending.
    var offsets: [UInt32] = []
    /// Bit `i` is set when record `i` is acked.
    private var ackedBits: [UInt64] = []
    /// Number of set bits in `ackedBits`.
    private(set) var ackedCount = 0
    /// End of the last record: the file size once buffered bytes are written.
    var end: Int
    /// Open ack file, or -1.
    var ackFD: Int32 = -1
    /// Bytes in the ack file (header included); 0 when it does not exist yet.
    var ackFileEnd = 0
    /// Acked offsets not yet written to the ack file.
    var pendingAcks: [UInt32] = []
    /// True when the ack file was written since the last sync.
    var ackDirty = false

    init(sequence: UInt32, end: Int) {
        self.sequence = sequence
        self.end = end
    }

    /// True when every record is acked (also for a segment with no records).
    var isFullyAcked: Bool { ackedCount == offsets.count }

    /// Adds a record at the end.
    mutating func appendRecord(at offset: UInt32, size: Int) {
        offsets.append(offset)
        if offsets.count > ackedBits.count * 64 { ackedBits.append(0) }
        end = Int(offset) + size
    }

    /// Index of the record starting at `offset`, if there is one.
    func index(of offset: UInt32) -> Int? {
        var lo = 0
        var hi = offsets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[mid] < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < offsets.count && offsets[lo] == offset ? lo : nil
    }

    /// True when record `i` is acked.
    func isAcked(_ i: Int) -> Bool {
        ackedBits[i / 64] & (1 << UInt64(i % 64)) != 0
    }

    /// Marks record `i` acked; returns false if it already was.
    mutating func markAcked(_ i: Int) -> Bool {
        let bit: UInt64 = 1 << UInt64(i % 64)
        guard ackedBits[i / 64] & bit == 0 else { return false }
        ackedBits[i / 64] |= bit
        ackedCount += 1
        return true
    }

    /// Payload bytes of record `i`.
    func payloadLength(_ i: Int) -> Int {
        let next = i + 1 < offsets.count ? Int(offsets[i + 1]) : end
        return next - Int(offsets[i]) - RecordFrame.headerSize
    }
}
