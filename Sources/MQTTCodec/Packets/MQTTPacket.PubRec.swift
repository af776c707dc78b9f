import Bytes

extension MQTTPacket {
    /// PUBREC: QoS 2 step 1: publish received (MQTT 3.1.1 §3.5, MQTT 5.0 §3.5).
    ///
    /// MQTT 3.x carries only the packet identifier; `reasonCode` and `properties` are MQTT 5's, read as Success and
    /// none from a 3.x packet and not written in a 3.x session.
    public struct PubRec: Sendable, Equatable {
        /// The packet identifier of the QoS 2 PUBLISH being received.
        public var packetId: UInt16
        /// MQTT 5: Success, No matching subscribers or an error (Table 3-5).
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

extension MQTTPacket.PubRec {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        (packetId, reasonCode, properties) = try r.readAcknowledgement()
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        buffer.writeMQTTAcknowledgement(
            .pubRec, packetId: packetId, reasonCode: reasonCode, properties: properties, version: version)
    }
}
