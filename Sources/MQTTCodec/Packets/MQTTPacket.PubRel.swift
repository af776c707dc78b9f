extension MQTTPacket {
    /// PUBREL: QoS 2 step 2: publish release (MQTT 3.1.1 §3.6). MQTT 5 adds a reason code and properties here.
    public struct PubRel: Sendable, Equatable {
        /// The packet identifier of the QoS 2 PUBLISH being released.
        public var packetId: UInt16

        public init(packetId: UInt16) { self.packetId = packetId }
    }
}
