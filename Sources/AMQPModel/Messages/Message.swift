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
    /// The broker's alarm this message counts against while it lives.
    public let alarm: ResourceAlarm
    /// The QoS it was published with, as MQTT sessions deliver it (`Message.mqttPublishQoS(of:)`), read once here
    /// rather than from the headers on every delivery.
    public let mqttPublishQoS: UInt8
    /// True when the routing key is known to be a valid MQTT topic name (it came in as one): MQTT deliveries then
    /// skip checking it again.
    public let routingKeyIsMQTTTopic: Bool

    /// Creates a message, counted against `alarm` (the broker's `resourceAlarm`) until it is freed.
    /// `mqttPublishQoS`: the MQTT QoS it was published with, when the caller knows it (else read from
    /// `properties`, `Message.mqttPublishQoS(of:)`; it must agree with them). `routingKeyIsMQTTTopic`: the caller
    /// validated the routing key as an MQTT topic name.
    public init(
        exchange: ByteString, routingKey: ByteString, properties: BasicProperties, body: [UInt8], alarm: ResourceAlarm,
        mqttPublishQoS: UInt8? = nil, routingKeyIsMQTTTopic: Bool = false
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
        self.alarm = alarm
        self.mqttPublishQoS = mqttPublishQoS ?? Self.mqttPublishQoS(of: properties)
        self.routingKeyIsMQTTTopic = routingKeyIsMQTTTopic
        alarm.add(body.count + ResourceAlarm.overheadPerMessage)
    }

    deinit {
        alarm.remove(body.count + ResourceAlarm.overheadPerMessage)
    }

    /// Body size in bytes.
    @inlinable public var bodySize: Int { body.count }
}
