extension MQTTPacket {
    /// UNSUBACK: acknowledgement of an UNSUBSCRIBE (MQTT 3.1.1 §3.11). MQTT 5 adds a reason code and properties here.
    public struct UnsubAck: Sendable, Equatable {
        /// The packet identifier of the UNSUBSCRIBE being acknowledged.
        public var packetId: UInt16

        public init(packetId: UInt16) { self.packetId = packetId }
    }
}
