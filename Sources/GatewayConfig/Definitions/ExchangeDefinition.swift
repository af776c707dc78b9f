import JSON

/// An exchange from a definitions file (`exchanges[]`).
public struct ExchangeDefinition: Sendable, Equatable {
    public var name: String
    public var vhost: String
    /// `type`: direct, fanout, topic, headers, mqtt, … (checked by the importer, not here).
    public var type: String
    public var durable: Bool
    /// `auto_delete`: deleted when its last binding goes.
    public var autoDelete: Bool
    /// `internal`: clients may not publish to it directly.
    public var `internal`: Bool
    public var arguments: [String: JSONValue]

    public init(
        name: String, vhost: String, type: String, durable: Bool = true, autoDelete: Bool = false,
        internal: Bool = false, arguments: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.vhost = vhost
        self.type = type
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.arguments = arguments
    }
}
