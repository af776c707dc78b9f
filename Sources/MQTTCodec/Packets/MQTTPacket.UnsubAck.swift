import Bytes

extension MQTTPacket {
    /// UNSUBACK: acknowledgement of an UNSUBSCRIBE (MQTT 3.1.1 §3.11, MQTT 5.0 §3.11).
    ///
    /// MQTT 3.x carries only the packet identifier; `reasonCodes` and `properties` are MQTT 5's, empty when read from
    /// a 3.x packet and not written in a 3.x session.
    public struct UnsubAck: Sendable, Equatable {
        /// The packet identifier of the UNSUBSCRIBE being acknowledged.
        public var packetId: UInt16
        /// MQTT 5: one reason code per topic filter, in the order of the UNSUBSCRIBE [MQTT-3.11.3-1] (Table 3-9); at
        /// least one, since an UNSUBSCRIBE has at least one filter.
        public var reasonCodes: [MQTTReasonCode]
        /// MQTT 5: Reason String and User Properties.
        public var properties: MQTTProperties

        public init(packetId: UInt16, reasonCodes: [MQTTReasonCode] = [], properties: MQTTProperties = []) {
            self.packetId = packetId
            self.reasonCodes = reasonCodes
            self.properties = properties
        }
    }
}

extension MQTTPacket.UnsubAck {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        packetId = try r.readPacketId()
        guard r.version == .v5 else {
            reasonCodes = []
            properties = MQTTProperties()
            return
        }
        properties = try MQTTProperties(decoding: &r, in: .packet(.unsubAck))
        guard r.remaining > 0 else {
            throw .protocolViolation(
                "[MQTT-3.11.3-1] UNSUBACK has no reason codes, but an UNSUBSCRIBE has at least one filter")
        }
        reasonCodes = []
        reasonCodes.reserveCapacity(r.remaining)
        while r.remaining > 0 { reasonCodes.append(try r.readReasonCode()) }
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        guard version == .v5 else {
            buffer.writeMQTTAcknowledgement(
                .unsubAck, packetId: packetId, reasonCode: .success, properties: properties, version: version)
            return
        }
        let propertiesSize = properties.bodySize
        let length = 2 + ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize + reasonCodes.count
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.unsubAck, remainingLength: length)
        buffer.writeInteger(packetId)
        properties.encode(bodySize: propertiesSize, into: &buffer)
        for code in reasonCodes { buffer.writeUInt8(code.rawValue) }
    }
}
