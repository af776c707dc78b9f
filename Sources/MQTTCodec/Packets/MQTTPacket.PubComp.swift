extension MQTTPacket {
    /// PUBCOMP: QoS 2 step 3: publish complete (MQTT 3.1.1 §3.7). MQTT 5 adds a reason code and properties here.
    public struct PubComp: Sendable, Equatable {
        /// The packet identifier of the QoS 2 PUBLISH being completed.
        public var packetId: UInt16

        public init(packetId: UInt16) { self.packetId = packetId }
    }
}
