import AMQPValues
import Bytes

/// Field value wire format: a type octet, then the value (RabbitMQ's table of type codes, which is what
/// clients send; the 0-9-1 PDF's table differs for 's', 'u', 'I', 'i' and lacks 'x').
extension FieldValue {
    /// The type octet RabbitMQ uses for this value.
    var typeCode: UInt8 {
        switch self {
        case .bool: UInt8(ascii: "t")
        case .int8: UInt8(ascii: "b")
        case .uint8: UInt8(ascii: "B")
        case .int16: UInt8(ascii: "s")
        case .uint16: UInt8(ascii: "u")
        case .int32: UInt8(ascii: "I")
        case .uint32: UInt8(ascii: "i")
        case .int64: UInt8(ascii: "l")
        case .float: UInt8(ascii: "f")
        case .double: UInt8(ascii: "d")
        case .decimal: UInt8(ascii: "D")
        case .longString: UInt8(ascii: "S")
        case .bytes: UInt8(ascii: "x")
        case .array: UInt8(ascii: "A")
        case .timestamp: UInt8(ascii: "T")
        case .table: UInt8(ascii: "F")
        case .void: UInt8(ascii: "V")
        }
    }

    /// Writes the type octet and the value.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeUInt8(typeCode)
        switch self {
        case .bool(let v): buffer.writeUInt8(v ? 1 : 0)
        case .int8(let v): buffer.writeInteger(v)
        case .uint8(let v): buffer.writeUInt8(v)
        case .int16(let v): buffer.writeInteger(v)
        case .uint16(let v): buffer.writeInteger(v)
        case .int32(let v): buffer.writeInteger(v)
        case .uint32(let v): buffer.writeInteger(v)
        case .int64(let v): buffer.writeInteger(v)
        case .float(let v): buffer.writeInteger(v.bitPattern)
        case .double(let v): buffer.writeInteger(v.bitPattern)
        case .decimal(let scale, let value):
            buffer.writeUInt8(scale)
            buffer.writeInteger(value)
        case .longString(let bytes), .bytes(let bytes): buffer.writeLongString(bytes)
        case .array(let values):
            let length = buffer.reserveLength()
            for value in values {
                value.encode(into: &buffer)
            }
            buffer.patchLength(at: length)
        case .timestamp(let v): buffer.writeInteger(v)
        case .table(let table): table.encode(into: &buffer)
        case .void: break
        }
    }

    /// Reads a type octet and the value; `depth` is the nesting level of the enclosing table or array.
    static func decode(_ buf: inout ByteBuffer, depth: Int) throws(AMQPWireError) -> FieldValue {
        let type = try buf.readOctet()
        switch type {
        case UInt8(ascii: "t"): return .bool(try buf.readOctet() != 0)
        case UInt8(ascii: "b"): return .int8(Int8(bitPattern: try buf.readOctet()))
        case UInt8(ascii: "B"): return .uint8(try buf.readOctet())
        case UInt8(ascii: "s"): return .int16(Int16(bitPattern: try buf.readShort()))
        case UInt8(ascii: "u"): return .uint16(try buf.readShort())
        case UInt8(ascii: "I"): return .int32(Int32(bitPattern: try buf.readLong()))
        case UInt8(ascii: "i"): return .uint32(try buf.readLong())
        case UInt8(ascii: "l"): return .int64(Int64(bitPattern: try buf.readLongLong()))
        case UInt8(ascii: "f"): return .float(Float(bitPattern: try buf.readLong()))
        case UInt8(ascii: "d"): return .double(Double(bitPattern: try buf.readLongLong()))
        case UInt8(ascii: "D"):
            let scale = try buf.readOctet()
            return .decimal(scale: scale, value: try buf.readLong())
        case UInt8(ascii: "S"): return .longString(try buf.readLongString())
        case UInt8(ascii: "x"): return .bytes(try buf.readLongString())
        case UInt8(ascii: "A"): return .array(try decodeArray(&buf, depth: depth + 1))
        case UInt8(ascii: "T"): return .timestamp(try buf.readLongLong())
        case UInt8(ascii: "F"): return .table(try FieldTable.decode(&buf, depth: depth + 1))
        case UInt8(ascii: "V"): return .void
        default: throw .syntax("unknown field value type 0x\(String(type, radix: 16, uppercase: true))")
        }
    }

    /// Reads an array: a 32-bit byte length, then values without names.
    private static func decodeArray(_ buf: inout ByteBuffer, depth: Int) throws(AMQPWireError) -> [FieldValue] {
        guard depth <= FieldTable.maxNestingDepth else {
            throw .syntax("field tables and arrays nest deeper than \(FieldTable.maxNestingDepth) levels")
        }
        let length = try buf.readLong()
        guard Int(length) <= buf.readableBytes else { throw .syntax("field array is truncated") }
        let end = buf.readerIndex + Int(length)
        var values: [FieldValue] = []
        while buf.readerIndex < end {
            values.append(try decode(&buf, depth: depth))
        }
        guard buf.readerIndex == end else {
            throw .syntax("field array values run past the array's length")
        }
        return values
    }
}
