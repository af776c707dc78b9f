/// A JSON value: definitions files, the management API's bodies; queue, exchange and binding arguments keep these as
/// they were written.
///
/// Integers stay integers (`"x-message-ttl": 60000` is `.int(60000)`, never a double): the broker validates
/// arguments such as x-message-ttl and x-max-length as integers, as RabbitMQ does. A number with a fraction or
/// exponent, or one outside Int64, is a `.double`.
public enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case array([JSONValue])
    case table([String: JSONValue])
    case null

    /// "a string", "an integer", …: how the value's kind is named in error messages.
    public var kindDescription: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "an object"
        case .null: "null"
        }
    }
}
