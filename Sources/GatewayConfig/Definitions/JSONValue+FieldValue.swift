import AMQPValues
import JSON

extension JSONValue {
    /// The value as an AMQP field value, the way RabbitMQ converts JSON arguments on import:
    /// strings become long strings, integers 64-bit signed ('l'), objects field tables (keys sorted), null void.
    public var fieldValue: FieldValue {
        switch self {
        case .string(let text): .string(text)
        case .int(let integer): .int64(integer)
        case .double(let double): .double(double)
        case .bool(let flag): .bool(flag)
        case .array(let elements): .array(elements.map(\.fieldValue))
        case .table(let fields): .table(FieldTable(definitionArguments: fields))
        case .null: .void
        }
    }
}
