import Bytes

extension MQTTPacket {
    /// SUBACK: the server's answer to SUBSCRIBE (MQTT 3.1.1 §3.9, MQTT 5.0 §3.9).
    public struct SubAck: Sendable, Equatable {
        /// The return code for a refused subscription (3.1.1 §3.9.3); 0, 1 and 2 are the granted QoS. The same byte
        /// is MQTT 5's Unspecified error.
        public static let failure: UInt8 = 0x80

        /// The packet identifier of the SUBSCRIBE being answered.
        public var packetId: UInt16
        /// One code per topic filter, in the order of the SUBSCRIBE [MQTT-3.9.3-1]. Both versions use this field: in
        /// MQTT 3.x the granted QoS (0, 1, 2) or `failure`; in MQTT 5 a reason code of Table 3-8 (the granted QoS,
        /// or an error such as `MQTTReasonCode.notAuthorized.rawValue`), whose values 0, 1, 2 and 0x80 mean the same.
        public var returnCodes: [UInt8]
        /// MQTT 5: Reason String and User Properties; not written in a 3.x session.
        public var properties: MQTTProperties

        public init(packetId: UInt16, returnCodes: [UInt8], properties: MQTTProperties = []) {
            self.packetId = packetId
            self.returnCodes = returnCodes
            self.properties = properties
        }
    }
}

extension MQTTPacket.SubAck {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        packetId = try r.readPacketId()
        let isV5 = r.version == .v5
        properties = isV5 ? try MQTTProperties(decoding: &r, in: .packet(.subAck)) : MQTTProperties()
        guard r.remaining > 0 else {
            throw .protocolViolation(
                "\(r.clause("[MQTT-3.9.3-1]", "[MQTT-3.8.4-6]")) SUBACK has no return codes, "
                    + "but a SUBSCRIBE has at least one filter")
        }
        returnCodes = []
        returnCodes.reserveCapacity(r.remaining)
        while r.remaining > 0 {
            if isV5 {
                returnCodes.append(try r.readReasonCode().rawValue)
                continue
            }
            let code = try r.readUInt8("return code")
            guard code <= MQTTQoS.exactlyOnce.rawValue || code == Self.failure else {
                throw .malformed("[MQTT-3.9.3-2] SUBACK return code \(code.hexString) is reserved")
            }
            returnCodes.append(code)
        }
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        let propertiesSize = version == .v5 ? properties.bodySize : 0
        let propertiesLength = version == .v5 ? ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize : 0
        let length = 2 + propertiesLength + returnCodes.count
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.subAck, remainingLength: length)
        buffer.writeInteger(packetId)
        if version == .v5 { properties.encode(bodySize: propertiesSize, into: &buffer) }
        buffer.writeBytes(returnCodes)
    }
}
