import JSON

/// A queue from a definitions file (`queues[]`).
public struct QueueDefinition: Sendable, Equatable {
    public var name: String
    public var vhost: String
    public var durable: Bool
    /// `auto_delete`: deleted when its last consumer goes.
    public var autoDelete: Bool
    /// `arguments`: x-message-ttl, x-dead-letter-exchange, … as written (integers stay integers).
    public var arguments: [String: JSONValue]

    public init(
        name: String, vhost: String, durable: Bool = true, autoDelete: Bool = false,
        arguments: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.vhost = vhost
        self.durable = durable
        self.autoDelete = autoDelete
        self.arguments = arguments
    }
}
