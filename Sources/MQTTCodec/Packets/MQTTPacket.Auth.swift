import Bytes

extension MQTTPacket {
    /// AUTH: a step of MQTT 5 extended authentication, in either direction (MQTT 5.0 §3.15). MQTT 3.x has no AUTH:
    /// packet type 15 is reserved there, and the decoder refuses it as malformed.
    ///
    /// The codec checks the layout, the reason code and the properties allowed; that the Authentication Method is
    /// present and the same as in the CONNECT [MQTT-4.12.0-5] is the frontend's check, since it knows the CONNECT.
    public struct Auth: Sendable, Equatable {
        /// Success (0x00), Continue authentication (0x18) or Re-authenticate (0x19) [MQTT-3.15.2-1].
        public var reasonCode: MQTTReasonCode
        /// Authentication Method, Authentication Data, Reason String, User Properties.
        public var properties: MQTTProperties

        public init(reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = []) {
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}

extension MQTTPacket.Auth {
    /// Decodes the body: a remaining length of 0 is Success without properties; otherwise a reason code and
    /// properties, both required (MQTT 5.0 §3.15.2).
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        guard r.remaining > 0 else {
            reasonCode = .success
            properties = MQTTProperties()
            return
        }
        reasonCode = try r.readReasonCode()
        properties = try MQTTProperties(decoding: &r, in: .packet(.auth))
    }

    /// Writes the packet, with an empty body for Success without properties.
    /// - Precondition: the session speaks MQTT 5.
    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        precondition(version == .v5, "AUTH exists only in MQTT 5.0; \(version) has no packet type 15")
        guard !(reasonCode == .success && properties.isEmpty) else {
            buffer.reserveCapacity(minimumWritableBytes: 2)
            buffer.writeMQTTFixedHeader(.auth, remainingLength: 0)
            return
        }
        let propertiesSize = properties.bodySize
        let length = 1 + ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.auth, remainingLength: length)
        buffer.writeUInt8(reasonCode.rawValue)
        properties.encode(bodySize: propertiesSize, into: &buffer)
    }
}
