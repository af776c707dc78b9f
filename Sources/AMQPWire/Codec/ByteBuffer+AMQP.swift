import AMQPValues
import Bytes

/// Readers and writers for the AMQP 0-9-1 domain types (AMQP 0-9-1 §4.2.5).
///
/// Readers throw a 502 syntax error instead of returning nil: inside a complete frame, missing bytes
/// mean the peer sent a malformed payload, not that more bytes are on their way.
extension ByteBuffer {
    mutating func readOctet() throws(AMQPWireError) -> UInt8 {
        guard let v = readUInt8() else { throw .syntax("payload ends before an octet") }
        return v
    }

    mutating func readShort() throws(AMQPWireError) -> UInt16 {
        guard let v = readInteger(as: UInt16.self) else { throw .syntax("payload ends before a short") }
        return v
    }

    mutating func readLong() throws(AMQPWireError) -> UInt32 {
        guard let v = readInteger(as: UInt32.self) else { throw .syntax("payload ends before a long") }
        return v
    }

    mutating func readLongLong() throws(AMQPWireError) -> UInt64 {
        guard let v = readInteger(as: UInt64.self) else { throw .syntax("payload ends before a long long") }
        return v
    }

    /// A short string: length octet and bytes. The bytes are not checked for UTF-8; callers that need text do that.
    mutating func readShortString() throws(AMQPWireError) -> ByteString {
        guard let count = peekUInt8(), let bytes = peekBytes(at: 1, count: Int(count)) else {
            throw .syntax("payload ends inside a short string")
        }
        moveReaderIndex(forwardBy: 1 + Int(count))
        return ByteString(bytes)
    }

    /// A long string: 32-bit length and bytes. The length is checked against the bytes present before
    /// anything is allocated, so a hostile length costs nothing.
    mutating func readLongString() throws(AMQPWireError) -> [UInt8] {
        guard let count = peekInteger(as: UInt32.self), let bytes = peekBytes(at: 4, count: Int(count)) else {
            throw .syntax("payload ends inside a long string")
        }
        moveReaderIndex(forwardBy: 4 + Int(count))
        return bytes
    }

    mutating func readFieldTable() throws(AMQPWireError) -> FieldTable {
        try FieldTable.decode(&self)
    }

    /// A copy of `count` bytes starting `offset` bytes after the reader index, or nil when they are not all there.
    func peekBytes(at offset: Int, count: Int) -> [UInt8]? {
        guard offset + count <= readableBytes else { return nil }
        return withReadableBytes { Array($0[offset..<offset + count]) }
    }

    /// Writes a short string. More than 255 bytes cannot be expressed: the string is cut to its first 255 bytes
    /// rather than trapping. The server validates names on the way in, so it never produces longer ones.
    mutating func writeShortString(_ s: ByteString) {
        let count = Swift.min(s.bytes.count, 255)
        writeUInt8(UInt8(count))
        if count == s.bytes.count {
            writeBytes(s.bytes)
        } else {
            writeBytes(s.bytes[..<count])
        }
    }

    /// Writes a long string: 32-bit length and bytes.
    mutating func writeLongString(_ bytes: [UInt8]) {
        writeInteger(UInt32(bytes.count))
        writeBytes(bytes)
    }

    /// Writes a placeholder for a 32-bit length and returns its index, for `patchLength(at:)`.
    mutating func reserveLength() -> Int {
        let at = writerIndex
        writeInteger(UInt32(0))
        return at
    }

    /// Fills in a length reserved with `reserveLength()` with the number of bytes written after it.
    mutating func patchLength(at index: Int) {
        setInteger(UInt32(writerIndex - index - 4), at: index)
    }
}
