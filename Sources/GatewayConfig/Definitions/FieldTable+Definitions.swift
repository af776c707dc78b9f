import AMQPValues
import JSON

extension FieldTable {
    /// The `arguments` of a queue, exchange or binding definition as a field table, keys in sorted order so that
    /// the same definitions always produce the same table.
    public init(definitionArguments arguments: [String: JSONValue]) {
        self.init(arguments.sorted { $0.key < $1.key }.map { (key: ByteString($0.key), value: $0.value.fieldValue) })
    }
}
