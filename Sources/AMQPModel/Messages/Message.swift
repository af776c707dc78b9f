import AMQPValues

/// A published message: routing information, properties and body, stored once and shared by reference
/// among every queue it is routed to.
public final class Message: Sendable {
    /// The exchange it was published to.
    public let exchange: ByteString
    /// The routing key (or MQTT topic) it was published with.
    public let routingKey: ByteString
    /// Content properties.
    public let properties: BasicProperties
    /// The body bytes.
    public let body: [UInt8]

    /// Creates a message.
    public init(exchange: ByteString, routingKey: ByteString, properties: BasicProperties, body: [UInt8]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
        ResourceAlarm.add(body.count + ResourceAlarm.overheadPerMessage)
    }

    deinit {
        ResourceAlarm.remove(body.count + ResourceAlarm.overheadPerMessage)
    }

    /// Body size in bytes.
    @inlinable public var bodySize: Int { body.count }
}
