extension MQTTPacket {
    /// PUBREL: QoS 2 step 2, publish release (MQTT 3.1.1 §3.6, MQTT 5 §3.6).
    /// In MQTT 5 it carries a reason code and properties, left out on the wire when they say "success" and
    /// nothing else.
    public struct PubRel: Sendable, Equatable {
        /// The packet identifier of the QoS 2 exchange being released.
        public var packetId: UInt16
        /// MQTT 5 only: the outcome (`.success` in 3.x).
        public var reasonCode: MQTTReasonCode
        /// MQTT 5 only: reason string and user properties.
        public var properties: MQTTProperties

        public init(
            packetId: UInt16, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = MQTTProperties()
        ) {
            self.packetId = packetId
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}
