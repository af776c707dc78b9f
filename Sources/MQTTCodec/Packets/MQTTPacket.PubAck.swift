extension MQTTPacket {
    /// PUBACK: QoS 1 acknowledgement (MQTT 3.1.1 §3.4). MQTT 5 adds a reason code and properties here.
    public struct PubAck: Sendable, Equatable {
        /// The packet identifier of the QoS 1 PUBLISH being acknowledged.
        public var packetId: UInt16

        public init(packetId: UInt16) { self.packetId = packetId }
    }
}
