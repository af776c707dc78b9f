import Bytes

extension MQTTPacket {
    /// PUBREL: QoS 2 step 2: publish release (MQTT 3.1.1 §3.6, MQTT 5.0 §3.6).
    ///
    /// MQTT 3.x carries only the packet identifier; `reasonCode` and `properties` are MQTT 5's, read as Success and
    /// none from a 3.x packet and not written in a 3.x session.
    public struct PubRel: Sendable, Equatable {
        /// The packet identifier of the QoS 2 PUBLISH being released.
        public var packetId: UInt16
        /// MQTT 5: Success or Packet Identifier not found (Table 3-6).
        public var reasonCode: MQTTReasonCode
        /// MQTT 5: Reason String and User Properties.
        public var properties: MQTTProperties

        public init(packetId: UInt16, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = []) {
            self.packetId = packetId
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}

extension MQTTPacket.PubRel {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        (packetId, reasonCode, properties) = try r.readAcknowledgement()
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        buffer.writeMQTTAcknowledgement(
            .pubRel, packetId: packetId, reasonCode: reasonCode, properties: properties, version: version)
    }
}
