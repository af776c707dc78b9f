import AMQPValues

extension MQTTPacket.Subscribe {
    /// One topic filter of a SUBSCRIBE with its requested QoS (MQTT 3.1.1 §3.8.3). MQTT 5 adds its
    /// subscription options (no local, retain as published, retain handling) here.
    public struct Subscription: Sendable, Equatable {
        /// The topic filter, valid per `MQTTTopic.isValidFilter`.
        public var filter: ByteString
        /// The maximum QoS the client asks to receive on this filter.
        public var qos: MQTTQoS

        public init(filter: ByteString, qos: MQTTQoS) {
            self.filter = filter
            self.qos = qos
        }
    }
}
