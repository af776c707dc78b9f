extension MQTTPacket {
    /// PUBREC: QoS 2 step 1, publish received (MQTT 3.1.1 §3.5, MQTT 5 §3.5).
    /// In MQTT 5 it carries a reason code and properties, left out on the wire when they say "success" and
    /// nothing else.
    public struct PubRec: Sendable, Equatable {
        /// The packet identifier of the QoS 2 PUBLISH being received.
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
