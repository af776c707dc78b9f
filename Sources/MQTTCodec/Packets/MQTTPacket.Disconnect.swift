import Bytes

extension MQTTPacket {
    /// DISCONNECT: the end of the connection (MQTT 3.1.1 §3.14, MQTT 5.0 §3.14).
    ///
    /// Empty in MQTT 3.x, where only the client sends it and it discards the will. In MQTT 5 either side sends it,
    /// with a reason code and properties, both omitted on the wire for a normal disconnection without properties;
    /// they are read as Normal disconnection and none from a 3.x packet and not written in a 3.x session.
    public struct Disconnect: Sendable, Equatable {
        /// MQTT 5: why the connection ends (Table 3-10); only 0x00 (Normal disconnection) discards the will
        /// [MQTT-3.14.4-3].
        public var reasonCode: MQTTReasonCode
        /// MQTT 5: Session Expiry Interval (from the client only [MQTT-3.14.2-2]), Reason String, User Properties,
        /// Server Reference.
        public var properties: MQTTProperties

        public init(reasonCode: MQTTReasonCode = .normalDisconnection, properties: MQTTProperties = []) {
            self.reasonCode = reasonCode
            self.properties = properties
        }
    }
}

extension MQTTPacket.Disconnect {
    /// Decodes the body: nothing in MQTT 3.x; in MQTT 5 a remaining length of 0 is a normal disconnection, 1 a
    /// reason code without properties (MQTT 5.0 §3.14.2).
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        guard r.remaining > 0 else {
            reasonCode = .normalDisconnection
            properties = MQTTProperties()
            return
        }
        reasonCode = try r.readReasonCode()
        properties = r.remaining > 0 ? try MQTTProperties(decoding: &r, in: .packet(.disconnect)) : MQTTProperties()
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        guard version == .v5 && !(reasonCode == .normalDisconnection && properties.isEmpty) else {
            buffer.reserveCapacity(minimumWritableBytes: 2)
            buffer.writeMQTTFixedHeader(.disconnect, remainingLength: 0)
            return
        }
        let propertiesSize = properties.bodySize
        let length = 1 + (properties.isEmpty ? 0 : ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize)
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.disconnect, remainingLength: length)
        buffer.writeUInt8(reasonCode.rawValue)
        if !properties.isEmpty { properties.encode(bodySize: propertiesSize, into: &buffer) }
    }
}
