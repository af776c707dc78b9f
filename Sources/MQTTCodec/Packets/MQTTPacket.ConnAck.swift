import Bytes

extension MQTTPacket {
    /// CONNACK: the server's answer to CONNECT (MQTT 3.1.1 §3.2).
    public struct ConnAck: Sendable, Equatable {
        /// Whether the server resumed a stored session (3.1.1 only; MQTT 3.1 has no such flag and encodes 0).
        public var sessionPresent: Bool
        /// Whether the connection was accepted, and if not why.
        public var returnCode: MQTTConnectReturnCode

        public init(sessionPresent: Bool = false, returnCode: MQTTConnectReturnCode) {
            self.sessionPresent = sessionPresent
            self.returnCode = returnCode
        }
    }
}

extension MQTTPacket.ConnAck {
    init(decoding r: inout MQTTPacketReader, version: MQTTProtocolVersion) throws(MQTTProtocolError) {
        let ackFlags = try r.readUInt8("acknowledge flags")
        returnCode = MQTTConnectReturnCode(rawValue: try r.readUInt8("return code"))
        if version == .v3_1 {
            // MQTT 3.1: the first byte is reserved and unused.
            sessionPresent = false
        } else {
            guard ackFlags & 0xFE == 0 else {
                throw .malformed(
                    "[MQTT §3.2.2.1] CONNACK acknowledge flags \(ackFlags.hexString) set reserved bits 7-1")
            }
            sessionPresent = ackFlags & 0x01 != 0
        }
        guard returnCode.rawValue <= MQTTConnectReturnCode.notAuthorized.rawValue else {
            throw .malformed("[MQTT §3.2.2.3] CONNACK return code \(returnCode) is reserved")
        }
        if sessionPresent && returnCode != .accepted {
            throw .protocolViolation("[MQTT-3.2.2-4] CONNACK refuses with \(returnCode) but sets session present")
        }
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: 4)
        buffer.writeMQTTFixedHeader(.connAck, remainingLength: 2)
        buffer.writeUInt8(sessionPresent && version != .v3_1 ? 0x01 : 0x00)
        buffer.writeUInt8(returnCode.rawValue)
    }
}
