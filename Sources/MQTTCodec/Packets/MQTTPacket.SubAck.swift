import Bytes

extension MQTTPacket {
    /// SUBACK: the server's answer to SUBSCRIBE (MQTT 3.1.1 §3.9).
    public struct SubAck: Sendable, Equatable {
        /// The return code for a refused subscription (3.1.1 §3.9.3); 0, 1 and 2 are the granted QoS.
        public static let failure: UInt8 = 0x80

        /// The packet identifier of the SUBSCRIBE being answered.
        public var packetId: UInt16
        /// One return code per topic filter, in the order of the SUBSCRIBE [MQTT-3.9.3-1]:
        /// the granted QoS (0, 1, 2) or `failure`.
        public var returnCodes: [UInt8]

        public init(packetId: UInt16, returnCodes: [UInt8]) {
            self.packetId = packetId
            self.returnCodes = returnCodes
        }
    }
}

extension MQTTPacket.SubAck {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        packetId = try r.readPacketId()
        guard r.remaining > 0 else {
            throw .protocolViolation(
                "[MQTT-3.9.3-1] SUBACK has no return codes, but a SUBSCRIBE has at least one filter")
        }
        returnCodes = []
        returnCodes.reserveCapacity(r.remaining)
        while r.remaining > 0 {
            let code = try r.readUInt8("return code")
            guard code <= MQTTQoS.exactlyOnce.rawValue || code == Self.failure else {
                throw .malformed("[MQTT-3.9.3-2] SUBACK return code \(code.hexString) is reserved")
            }
            returnCodes.append(code)
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        let length = 2 + returnCodes.count
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.subAck, remainingLength: length)
        buffer.writeInteger(packetId)
        buffer.writeBytes(returnCodes)
    }
}
