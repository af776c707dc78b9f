import AMQPValues

/// One binding of an exchange as listed by management and persisted in definitions.
///
/// Two bindings are the same binding when destination, key and arguments are all equal
/// (AMQP 0-9-1 §3.1.3.2: binding twice with identical arguments is a no-op).
public struct RoutingBinding<Destination: Hashable & Sendable>: Hashable, Sendable {
    /// The queue or exchange the binding routes to.
    public var destination: Destination
    /// The binding key (routing key, topic pattern or MQTT filter, depending on the exchange type).
    public var key: ByteString
    /// The binding arguments (`x-match` and criteria for headers, `x-mqtt-qos` for mqtt).
    public var arguments: FieldTable

    public init(destination: Destination, key: ByteString, arguments: FieldTable) {
        self.destination = destination
        self.key = key
        self.arguments = arguments
    }
}
