/// A value in an AMQP field table (message headers, declare and bind arguments, client properties).
///
/// The cases follow RabbitMQ's type codes (the ones real clients send), not the 0-9-1 PDF's.
public enum FieldValue: Hashable, Sendable {
    /// 't'
    case bool(Bool)
    /// 'b'
    case int8(Int8)
    /// 'B'
    case uint8(UInt8)
    /// 's'
    case int16(Int16)
    /// 'u'
    case uint16(UInt16)
    /// 'I'
    case int32(Int32)
    /// 'i'
    case uint32(UInt32)
    /// 'l'
    case int64(Int64)
    /// 'f'
    case float(Float)
    /// 'd'
    case double(Double)
    /// 'D': scale (number of decimal digits), unscaled value.
    case decimal(scale: UInt8, value: UInt32)
    /// 'S': long string, arbitrary bytes.
    case longString([UInt8])
    /// 'x': byte array.
    case bytes([UInt8])
    /// 'A'
    case array([FieldValue])
    /// 'T': seconds since the epoch.
    case timestamp(UInt64)
    /// 'F'
    case table(FieldTable)
    /// 'V'
    case void

    /// The value as an integer when it is any integer type.
    public var intValue: Int64? {
        switch self {
        case .int8(let v): Int64(v)
        case .uint8(let v): Int64(v)
        case .int16(let v): Int64(v)
        case .uint16(let v): Int64(v)
        case .int32(let v): Int64(v)
        case .uint32(let v): Int64(v)
        case .int64(let v): v
        case .timestamp(let v): v <= UInt64(Int64.max) ? Int64(v) : nil
        default: nil
        }
    }

    /// The value as text when it is a long string or byte array.
    public var stringValue: String? {
        switch self {
        case .longString(let b), .bytes(let b): String(decoding: b, as: UTF8.self)
        default: nil
        }
    }

    /// The value as a boolean when it is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// A long string value from text.
    public static func string(_ s: String) -> FieldValue { .longString(Array(s.utf8)) }
}
