import Bytes

extension MQTTPacket {
    /// PUBACK: QoS 1 acknowledgement (MQTT 3.1.1 §3.4, MQTT 5.0 §3.4).
    ///
    /// MQTT 3.x carries only the packet identifier; `reasonCode` and `properties` are MQTT 5's, read as Success and
    /// none from a 3.x packet and not written in a 3.x session.
    public struct PubAck: Sendable, Equatable {
        /// The packet identifier of the QoS 1 PUBLISH being acknowledged.
        public var packetId: UInt16
        /// MQTT 5: Success, No matching subscribers or an error (Table 3-4).
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

extension MQTTPacket.PubAck {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        (packetId, reasonCode, properties) = try r.readAcknowledgement()
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        buffer.writeMQTTAcknowledgement(
            .pubAck, packetId: packetId, reasonCode: reasonCode, properties: properties, version: version)
    }
}
