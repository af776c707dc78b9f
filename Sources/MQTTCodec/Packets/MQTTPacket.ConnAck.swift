import Bytes

extension MQTTPacket {
    /// CONNACK: the server's answer to CONNECT (MQTT 3.1.1 §3.2, MQTT 5.0 §3.2).
    ///
    /// One outcome, two views of it: `reasonCode` is stored and is what an MQTT 5 session writes and reads;
    /// `returnCode` is the MQTT 3.x view of the same outcome, which a 3.x session writes and reads. Setting either
    /// sets the other, so a frontend may refuse with `ConnAck(returnCode: .notAuthorized)` in any version (MQTT 5
    /// gets 0x87). `properties` are MQTT 5's: empty when read from a 3.x packet, not written in a 3.x session.
    public struct ConnAck: Sendable, Equatable {
        /// Whether the server resumed a stored session (3.1.1 and 5.0; MQTT 3.1 has no such flag and encodes 0).
        public var sessionPresent: Bool
        /// Whether the connection was accepted, and if not why (MQTT 5.0 Table 3-1).
        public var reasonCode: MQTTReasonCode
        /// MQTT 5: what the server tells the client about the session and its limits (Session Expiry Interval,
        /// Receive Maximum, Maximum QoS, Topic Alias Maximum, Assigned Client Identifier, ...).
        public var properties: MQTTProperties

        /// An MQTT 3.x answer; in MQTT 5 it is written with the equivalent reason code.
        public init(sessionPresent: Bool = false, returnCode: MQTTConnectReturnCode) {
            self.sessionPresent = sessionPresent
            self.reasonCode = .success
            self.properties = MQTTProperties()
            self.returnCode = returnCode
        }

        /// An MQTT 5 answer; in MQTT 3.x it is written with the nearest return code (`returnCode`).
        public init(sessionPresent: Bool = false, reasonCode: MQTTReasonCode, properties: MQTTProperties = []) {
            self.sessionPresent = sessionPresent
            self.reasonCode = reasonCode
            self.properties = properties
        }

        /// The MQTT 3.x return code of `reasonCode`: 0x84 reads as 0x01, 0x85 as 0x02, 0x86 as 0x04, 0x87 and the
        /// other authorization failures (0x8A Banned, 0x8C Bad authentication method) as 0x05, every other refusal
        /// as 0x03 (server unavailable). Setting it sets `reasonCode` to the equivalent MQTT 5 code (0x03 becomes
        /// 0x88 Server unavailable; a value 3.1.1 reserves becomes 0x80 Unspecified error).
        public var returnCode: MQTTConnectReturnCode {
            get {
                switch reasonCode {
                case .success: .accepted
                case .unsupportedProtocolVersion: .unacceptableProtocolVersion
                case .clientIdentifierNotValid: .identifierRejected
                case .badUserNameOrPassword: .badUsernameOrPassword
                case .notAuthorized, .banned, .badAuthenticationMethod: .notAuthorized
                default: .serverUnavailable
                }
            }
            set {
                reasonCode =
                    switch newValue {
                    case .accepted: .success
                    case .unacceptableProtocolVersion: .unsupportedProtocolVersion
                    case .identifierRejected: .clientIdentifierNotValid
                    case .serverUnavailable: .serverUnavailable
                    case .badUsernameOrPassword: .badUserNameOrPassword
                    case .notAuthorized: .notAuthorized
                    default: .unspecifiedError
                    }
            }
        }
    }
}

extension MQTTPacket.ConnAck {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        let ackFlags = try r.readUInt8("acknowledge flags")
        if r.version == .v5 {
            guard ackFlags & 0xFE == 0 else {
                throw .malformed("[MQTT-3.2.2-1] CONNACK acknowledge flags \(ackFlags.hexString) set reserved bits 7-1")
            }
            let sessionPresent = ackFlags & 0x01 != 0
            let reasonCode = try r.readReasonCode()
            let properties = try MQTTProperties(decoding: &r, in: .packet(.connAck))
            if sessionPresent && reasonCode != .success {
                throw .protocolViolation("[MQTT-3.2.2-6] CONNACK refuses with \(reasonCode) but sets session present")
            }
            self.init(sessionPresent: sessionPresent, reasonCode: reasonCode, properties: properties)
            return
        }
        // MQTT 3.1: the first byte is reserved and unused.
        let sessionPresent = r.version != .v3_1 && ackFlags & 0x01 != 0
        if r.version != .v3_1 && ackFlags & 0xFE != 0 {
            throw .malformed("[MQTT §3.2.2.1] CONNACK acknowledge flags \(ackFlags.hexString) set reserved bits 7-1")
        }
        let returnCode = MQTTConnectReturnCode(rawValue: try r.readUInt8("return code"))
        guard returnCode.rawValue <= MQTTConnectReturnCode.notAuthorized.rawValue else {
            throw .malformed("[MQTT §3.2.2.3] CONNACK return code \(returnCode) is reserved")
        }
        if sessionPresent && returnCode != .accepted {
            throw .protocolViolation("[MQTT-3.2.2-4] CONNACK refuses with \(returnCode) but sets session present")
        }
        self.init(sessionPresent: sessionPresent, returnCode: returnCode)
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        guard version == .v5 else {
            buffer.reserveCapacity(minimumWritableBytes: 4)
            buffer.writeMQTTFixedHeader(.connAck, remainingLength: 2)
            buffer.writeUInt8(sessionPresent && version != .v3_1 ? 0x01 : 0x00)
            buffer.writeUInt8(returnCode.rawValue)
            return
        }
        let propertiesSize = properties.bodySize
        let length = 2 + ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.connAck, remainingLength: length)
        buffer.writeUInt8(sessionPresent ? 0x01 : 0x00)
        buffer.writeUInt8(reasonCode.rawValue)
        properties.encode(bodySize: propertiesSize, into: &buffer)
    }
}
