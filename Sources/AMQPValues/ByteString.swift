/// A name, routing key or topic as raw bytes.
///
/// The core compares names byte for byte: Swift `String` equality applies Unicode canonical
/// equivalence, which AMQP and MQTT do not. Strings are built only at logging and management edges.
public struct ByteString: Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The raw bytes.
    public var bytes: [UInt8]

    /// Wraps raw bytes.
    @inlinable public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The UTF-8 bytes of `string`.
    @inlinable public init(_ string: String) { self.bytes = Array(string.utf8) }

    @inlinable public init(stringLiteral value: String) { self.bytes = Array(value.utf8) }

    /// The bytes decoded as UTF-8, invalid sequences replaced.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { string }

    /// Number of bytes.
    @inlinable public var count: Int { bytes.count }

    /// True when there are no bytes.
    @inlinable public var isEmpty: Bool { bytes.isEmpty }

    /// True when the bytes start with `prefix`.
    @inlinable public func hasPrefix(_ prefix: ByteString) -> Bool {
        bytes.count >= prefix.bytes.count && bytes[..<prefix.bytes.count].elementsEqual(prefix.bytes)
    }

    /// True when the bytes are valid UTF-8 (AMQP short strings and MQTT strings must be).
    public var isValidUTF8: Bool {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Hashes the bytes in one call (the synthesized conformance would feed the hasher byte by byte).
    @inlinable public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    @inlinable public static func == (lhs: ByteString, rhs: ByteString) -> Bool { lhs.bytes == rhs.bytes }

    @inlinable public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
