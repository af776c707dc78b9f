extension MQTTPacket {
    /// UNSUBACK: acknowledgement of an UNSUBSCRIBE (MQTT 3.1.1 §3.11, MQTT 5 §3.11).
    public struct UnsubAck: Sendable, Equatable {
        /// The packet identifier of the UNSUBSCRIBE being acknowledged.
        public var packetId: UInt16
        /// MQTT 5 only: one reason code per topic filter of the UNSUBSCRIBE, in order (none in 3.x).
        public var reasonCodes: [MQTTReasonCode]
        /// MQTT 5 only: reason string and user properties.
        public var properties: MQTTProperties

        public init(packetId: UInt16, reasonCodes: [MQTTReasonCode] = [], properties: MQTTProperties = MQTTProperties()) {
            self.packetId = packetId
            self.reasonCodes = reasonCodes
            self.properties = properties
        }
    }
}
