import AMQPValues
import Bytes

/// Field table wire format: a 32-bit byte length, then entries of short-string name, type octet and value
/// (AMQP 0-9-1 §4.2.5.5, with RabbitMQ's type codes; see `FieldValue`).
extension FieldTable {
    /// How deeply tables and arrays may nest inside one another before decoding gives up.
    ///
    /// Decoding recurses once per level; the limit keeps a hostile frame from exhausting the stack.
    /// Real clients nest two or three levels (client properties → capabilities).
    public static let maxNestingDepth = 64

    /// Writes the table: length, then every entry in order.
    public func encode(into buffer: inout ByteBuffer) {
        let length = buffer.reserveLength()
        for entry in entries {
            buffer.writeShortString(entry.key)
            entry.value.encode(into: &buffer)
        }
        buffer.patchLength(at: length)
    }

    /// Reads a table.
    /// - Throws: 502 when the table is truncated, its length disagrees with its entries, a value has an
    ///   unknown type code, or tables and arrays nest deeper than `maxNestingDepth`.
    public static func decode(_ buf: inout ByteBuffer) throws(AMQPWireError) -> FieldTable {
        try decode(&buf, depth: 1)
    }

    static func decode(_ buf: inout ByteBuffer, depth: Int) throws(AMQPWireError) -> FieldTable {
        guard depth <= maxNestingDepth else {
            throw .syntax("field tables and arrays nest deeper than \(maxNestingDepth) levels")
        }
        guard let length = buf.peekInteger(as: UInt32.self), Int(length) <= buf.readableBytes - 4 else {
            throw .syntax("field table is truncated")
        }
        buf.moveReaderIndex(forwardBy: 4)
        let end = buf.readerIndex + Int(length)
        var table = FieldTable()
        while buf.readerIndex < end {
            let key = try buf.readShortString()
            let value = try FieldValue.decode(&buf, depth: depth)
            table.entries.append((key: key, value: value))
        }
        guard buf.readerIndex == end else {
            throw .syntax("field table entries run past the table's length")
        }
        return table
    }
}
