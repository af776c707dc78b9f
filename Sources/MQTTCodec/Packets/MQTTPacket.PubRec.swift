extension MQTTPacket {
    /// PUBREC: QoS 2 step 1: publish received (MQTT 3.1.1 §3.5). MQTT 5 adds a reason code and properties here.
    public struct PubRec: Sendable, Equatable {
        /// The packet identifier of the QoS 2 PUBLISH being received.
        public var packetId: UInt16

        public init(packetId: UInt16) { self.packetId = packetId }
    }
}
