import AMQPValues

extension MQTTPacket.Subscribe {
    /// One topic filter of a SUBSCRIBE with its requested QoS (MQTT 3.1.1 §3.8.3) and, in MQTT 5, its subscription
    /// options (MQTT 5.0 §3.8.3.1). The options default to what MQTT 3.x does, and are not written in a 3.x session.
    public struct Subscription: Sendable, Equatable {
        /// The topic filter, valid per `MQTTTopic.isValidFilter`; in MQTT 5, a `$share/` filter is a shared
        /// subscription, valid per `MQTTTopic.splitSharedFilter`.
        public var filter: ByteString
        /// The maximum QoS the client asks to receive on this filter.
        public var qos: MQTTQoS
        /// MQTT 5 No Local: messages the client publishes itself are not sent back to it [MQTT-3.8.3-3]. Never set on
        /// a shared subscription [MQTT-3.8.3-4].
        public var noLocal: Bool
        /// MQTT 5 Retain As Published: forwarded messages keep their RETAIN flag [MQTT-3.3.1-13]; when false it is
        /// cleared [MQTT-3.3.1-12], as in MQTT 3.x.
        public var retainAsPublished: Bool
        /// MQTT 5 Retain Handling: whether retained messages are sent at subscribe time.
        public var retainHandling: RetainHandling

        public init(
            filter: ByteString, qos: MQTTQoS, noLocal: Bool = false, retainAsPublished: Bool = false,
            retainHandling: RetainHandling = .sendOnSubscribe
        ) {
            self.filter = filter
            self.qos = qos
            self.noLocal = noLocal
            self.retainAsPublished = retainAsPublished
            self.retainHandling = retainHandling
        }
    }
}
