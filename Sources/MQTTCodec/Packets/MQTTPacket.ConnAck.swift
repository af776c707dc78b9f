import Bytes

extension MQTTPacket {
    /// CONNACK: the server's answer to CONNECT (MQTT 3.1.1 §3.2, MQTT 5 §3.2). MQTT 3.x uses `returnCode`; MQTT 5
    /// uses `reasonCode` and `properties` instead.
    public struct ConnAck: Sendable, Equatable {
        /// Whether the server resumed a stored session (MQTT 3.1 has no such flag and encodes 0).
        public var sessionPresent: Bool
        /// MQTT 3.x: whether the connection was accepted, and if not why.
        public var returnCode: MQTTConnectReturnCode
        /// MQTT 5: whether the connection was accepted, and if not why.
        public var reasonCode: MQTTReasonCode
        /// MQTT 5: what the server grants and announces (session expiry, receive maximum, maximum packet size, topic
        /// alias maximum, assigned client identifier, server keep alive, ...).
        public var properties: MQTTProperties

        public init(sessionPresent: Bool = false, returnCode: MQTTConnectReturnCode) {
            self.sessionPresent = sessionPresent
            self.returnCode = returnCode
            reasonCode = returnCode == .accepted ? .success : .unspecifiedError
            properties = MQTTProperties()
        }

        /// An MQTT 5 CONNACK.
        public init(sessionPresent: Bool = false, reasonCode: MQTTReasonCode, properties: MQTTProperties = MQTTProperties()) {
            self.sessionPresent = sessionPresent
            self.reasonCode = reasonCode
            self.properties = properties
            returnCode = reasonCode == .success ? .accepted : .serverUnavailable
        }
    }
}

extension MQTTPacket.ConnAck {
    /// The reason codes an MQTT 5 CONNACK may carry (MQTT 5.0 §3.2.2.2).
    static let v5Codes: Set<UInt8> = [
        0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B,
        0x9C, 0x9D, 0x9F,
    ]

    init(decoding r: inout MQTTPacketReader, version: MQTTProtocolVersion) throws(MQTTProtocolError) {
        let ackFlags = try r.readUInt8("acknowledge flags")
        let code = try r.readUInt8(version == .v5 ? "reason code" : "return code")
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
        if version == .v5 {
            reasonCode = MQTTReasonCode(rawValue: code)
            guard Self.v5Codes.contains(code) else {
                throw .malformed("[MQTT §3.2.2.2] CONNACK reason code \(reasonCode) is not one CONNACK may carry")
            }
            properties = try r.readProperties(.connAck)
            returnCode = reasonCode == .success ? .accepted : .serverUnavailable
            if sessionPresent && reasonCode.isError {
                throw .protocolViolation("[MQTT-3.2.2-6] CONNACK refuses with \(reasonCode) but sets session present")
            }
            return
        }
        returnCode = MQTTConnectReturnCode(rawValue: code)
        reasonCode = returnCode == .accepted ? .success : .unspecifiedError
        properties = MQTTProperties()
        guard returnCode.rawValue <= MQTTConnectReturnCode.notAuthorized.rawValue else {
            throw .malformed("[MQTT §3.2.2.3] CONNACK return code \(returnCode) is reserved")
        }
        if sessionPresent && returnCode != .accepted {
            throw .protocolViolation("[MQTT-3.2.2-4] CONNACK refuses with \(returnCode) but sets session present")
        }
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        let length = version == .v5 ? 2 + properties.encodedSize : 2
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.connAck, remainingLength: length)
        buffer.writeUInt8(sessionPresent && version != .v3_1 ? 0x01 : 0x00)
        guard version == .v5 else { return buffer.writeUInt8(returnCode.rawValue) }
        buffer.writeUInt8(reasonCode.rawValue)
        buffer.writeMQTTProperties(properties)
    }
}
