import AMQPValues

extension MQTTPacket.Connect {
    /// The will message of a CONNECT (MQTT 3.1.1 §3.1.2.5–3.1.2.7, §3.1.3.2–3.1.3.3; MQTT 5.0 §3.1.2.5–3.1.2.7,
    /// §3.1.3.2–3.1.3.4).
    ///
    /// The decoder holds the will topic to the topic-name rules of PUBLISH (non-empty, no wildcards
    /// [MQTT-3.3.2-2]), since the server will publish to it.
    public struct Will: Sendable, Equatable {
        /// The topic the will is published to.
        public var topic: ByteString
        /// The will message (binary data).
        public var payload: [UInt8]
        /// The QoS of the will publish.
        public var qos: MQTTQoS
        /// Whether the will is published as a retained message.
        public var retain: Bool
        /// MQTT 5 will properties: Will Delay Interval and the properties the will is published with (Payload Format
        /// Indicator, Message Expiry Interval, Content Type, Response Topic, Correlation Data, User Properties). Empty
        /// in MQTT 3.x and not written in a 3.x CONNECT.
        public var properties: MQTTProperties

        public init(
            topic: ByteString, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false,
            properties: MQTTProperties = []
        ) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
            self.properties = properties
        }
    }
}
