import Bytes

extension MQTTPacket {
    /// SUBACK: the server's answer to SUBSCRIBE (MQTT 3.1.1 §3.9).
    public struct SubAck: Sendable, Equatable {
        /// The return code for a refused subscription (3.1.1 §3.9.3); 0, 1 and 2 are the granted QoS.
        public static let failure: UInt8 = 0x80

        /// The packet identifier of the SUBSCRIBE being answered.
        public var packetId: UInt16
        /// One return code per topic filter, in the order of the SUBSCRIBE [MQTT-3.9.3-1]:
        /// the granted QoS (0, 1, 2) or `failure`; in MQTT 5 any SUBACK reason code (§3.9.3).
        public var returnCodes: [UInt8]
        /// MQTT 5 only: reason string and user properties.
        public var properties: MQTTProperties

        public init(packetId: UInt16, returnCodes: [UInt8], properties: MQTTProperties = MQTTProperties()) {
            self.packetId = packetId
            self.returnCodes = returnCodes
            self.properties = properties
        }
    }
}

extension MQTTPacket.SubAck {
    /// The reason codes an MQTT 5 SUBACK may carry (MQTT 5.0 §3.9.3).
    static let v5Codes: Set<UInt8> = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]

    init(decoding r: inout MQTTPacketReader, version: MQTTProtocolVersion) throws(MQTTProtocolError) {
        packetId = try r.readPacketId()
        properties = version == .v5 ? try r.readProperties(.subAck) : MQTTProperties()
        guard r.remaining > 0 else {
            throw .protocolViolation(
                "[MQTT-3.9.3-1] SUBACK has no return codes, but a SUBSCRIBE has at least one filter")
        }
        returnCodes = []
        returnCodes.reserveCapacity(r.remaining)
        while r.remaining > 0 {
            let code = try r.readUInt8("return code")
            guard version == .v5 ? Self.v5Codes.contains(code) : code <= MQTTQoS.exactlyOnce.rawValue || code == Self.failure
            else {
                throw .malformed("[MQTT-3.9.3-2] SUBACK return code \(code.hexString) is reserved")
            }
            returnCodes.append(code)
        }
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        let length = 2 + (version == .v5 ? properties.encodedSize : 0) + returnCodes.count
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.subAck, remainingLength: length)
        buffer.writeInteger(packetId)
        if version == .v5 { buffer.writeMQTTProperties(properties) }
        buffer.writeBytes(returnCodes)
    }
}
