import JSON

/// A binding from a definitions file (`bindings[]`): from exchange `source` to a queue or an exchange.
public struct BindingDefinition: Sendable, Equatable {
    /// `source`: the exchange messages come from.
    public var source: String
    public var vhost: String
    /// `destination`: the queue or exchange messages go to.
    public var destination: String
    /// `destination_type`: "queue" or "exchange".
    public var destinationType: String
    /// `routing_key`: the binding key.
    public var routingKey: String
    public var arguments: [String: JSONValue]

    public init(
        source: String, vhost: String, destination: String, destinationType: String, routingKey: String = "",
        arguments: [String: JSONValue] = [:]
    ) {
        self.source = source
        self.vhost = vhost
        self.destination = destination
        self.destinationType = destinationType
        self.routingKey = routingKey
        self.arguments = arguments
    }
}
