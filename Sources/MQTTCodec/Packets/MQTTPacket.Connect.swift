import AMQPValues
import Bytes

extension MQTTPacket {
    /// CONNECT: the first packet a client sends (MQTT 3.1.1 §3.1; MQTT 3.1 with protocol name "MQIsdp"; MQTT 5.0 §3.1).
    ///
    /// The protocol name is not stored: it follows from `protocolVersion` ("MQIsdp" for level 3, "MQTT" otherwise),
    /// and the decoder rejects any other pairing, so a stored name could only disagree with the level.
    /// Client identifier rules (length, characters, empty with clean session 0 [MQTT-3.1.3-8]) are the
    /// frontend's: the codec accepts any well-formed string, the empty one included.
    public struct Connect: Sendable, Equatable {
        /// The protocol level the client asked for; the session speaks it from here on.
        public var protocolVersion: MQTTProtocolVersion
        /// Clean session (3.1.1 §3.1.2.4): discard any previous session and do not keep this one. In MQTT 5 the same
        /// bit is Clean Start (5.0 §3.1.2.4): discard any previous session; how long this one is kept is the Session
        /// Expiry Interval property (absent: 0, the session ends with the connection).
        public var cleanSession: Bool
        /// Keep alive in seconds; 0 turns the mechanism off (3.1.1 §3.1.2.10).
        public var keepAlive: UInt16
        /// The client identifier, possibly empty.
        public var clientId: ByteString
        /// The will message to publish when the connection ends without DISCONNECT.
        public var will: Will?
        /// The user name, when the user name flag is set.
        public var username: ByteString?
        /// The password (binary data), when the password flag is set. MQTT 5 allows it without a user name.
        public var password: [UInt8]?
        /// MQTT 5: Session Expiry Interval, Receive Maximum, Maximum Packet Size, Topic Alias Maximum, Request
        /// Response/Problem Information, User Properties, Authentication Method and Data. Empty in MQTT 3.x and not
        /// written in a 3.x CONNECT.
        public var properties: MQTTProperties

        /// The protocol name on the wire: "MQTT", or "MQIsdp" for MQTT 3.1.
        public var protocolName: ByteString { protocolVersion.protocolName }

        public init(
            protocolVersion: MQTTProtocolVersion = .v3_1_1, cleanSession: Bool = true, keepAlive: UInt16 = 60,
            clientId: ByteString, will: Will? = nil, username: ByteString? = nil, password: [UInt8]? = nil,
            properties: MQTTProperties = []
        ) {
            self.protocolVersion = protocolVersion
            self.cleanSession = cleanSession
            self.keepAlive = keepAlive
            self.clientId = clientId
            self.will = will
            self.username = username
            self.password = password
            self.properties = properties
        }
    }
}

extension MQTTPacket.Connect {
    private static let flagUsername: UInt8 = 0x80
    private static let flagPassword: UInt8 = 0x40
    private static let flagWillRetain: UInt8 = 0x20
    private static let flagWill: UInt8 = 0x04
    private static let flagCleanSession: UInt8 = 0x02
    private static let flagReserved: UInt8 = 0x01

    /// Decodes the body. The protocol name and level are checked first, before anything level-specific, so a
    /// client asking for an unsupported level always gets `unsupportedProtocolVersion` (and CONNACK 0x01).
    /// - Parameter acceptsMQTT5: whether level 5 is decoded; when false it is refused as unsupported.
    init(decoding r: inout MQTTPacketReader, acceptsMQTT5: Bool) throws(MQTTProtocolError) {
        let name = try r.readBinary("protocol name")
        let level = try r.readUInt8("protocol level")
        let isMQTT = name.elementsEqual("MQTT".utf8)
        let isMQIsdp = name.elementsEqual("MQIsdp".utf8)
        guard isMQTT || isMQIsdp else {
            throw .protocolViolation(
                "[MQTT-3.1.2-1] CONNECT protocol name \"\(ByteString(name))\" is neither \"MQTT\" nor \"MQIsdp\"")
        }
        switch level {
        case 4 where isMQTT: protocolVersion = .v3_1_1
        case 3 where isMQIsdp: protocolVersion = .v3_1
        case 5 where isMQTT && acceptsMQTT5: protocolVersion = .v5
        case 5 where isMQTT:
            throw MQTTProtocolError(
                code: .unsupportedProtocolVersion,
                message: "[MQTT-3.1.2-2] CONNECT asks for MQTT 5.0 (level 5), which this server does not support yet",
                protocolLevel: level)
        default:
            throw MQTTProtocolError(
                code: .unsupportedProtocolVersion,
                message: "[MQTT-3.1.2-2] CONNECT protocol \"\(ByteString(name))\" level \(level) is not supported "
                    + "(supported: \"MQTT\" level \(acceptsMQTT5 ? "4 or 5" : "4"), \"MQIsdp\" level 3)",
                protocolLevel: level)
        }
        r.version = protocolVersion
        let isV5 = protocolVersion == .v5

        let flags = try r.readUInt8("connect flags")
        // MQTT 3.1 leaves bit 0 undefined; like mosquitto, only 3.1.1 and 5.0 hold clients to it.
        if protocolVersion != .v3_1 && flags & Self.flagReserved != 0 {
            throw .malformed("[MQTT-3.1.2-3] CONNECT reserved flag (bit 0) is set")
        }
        let hasWill = flags & Self.flagWill != 0
        let willQoSBits = (flags >> 3) & 0b11
        let willRetain = flags & Self.flagWillRetain != 0
        if !hasWill && willQoSBits != 0 {
            throw .malformed(
                "\(r.clause("[MQTT-3.1.2-13]", "[MQTT-3.1.2-11]")) CONNECT without the will flag has will QoS \(willQoSBits)"
            )
        }
        if !hasWill && willRetain {
            throw .malformed(
                "\(r.clause("[MQTT-3.1.2-15]", "[MQTT-3.1.2-13]")) CONNECT without the will flag has will retain set")
        }
        guard let willQoS = MQTTQoS(rawValue: willQoSBits) else {
            throw .malformed("\(r.clause("[MQTT-3.1.2-14]", "[MQTT-3.1.2-12]")) CONNECT will QoS 3")
        }
        let hasUsername = flags & Self.flagUsername != 0
        let hasPassword = flags & Self.flagPassword != 0
        if hasPassword && !hasUsername && !isV5 {
            throw .protocolViolation("[MQTT-3.1.2-22] CONNECT has the password flag without the user name flag")
        }

        keepAlive = try r.readUInt16("keep alive")
        properties = isV5 ? try MQTTProperties(decoding: &r, in: .packet(.connect)) : MQTTProperties()
        cleanSession = flags & Self.flagCleanSession != 0
        clientId = try r.readString("client identifier")
        if hasWill {
            let willProperties = isV5 ? try MQTTProperties(decoding: &r, in: .will) : MQTTProperties()
            let topic = try r.readTopicName("will topic")
            let payload = try r.readBinary("will message")
            will = Will(topic: topic, payload: payload, qos: willQoS, retain: willRetain, properties: willProperties)
        } else {
            will = nil
        }
        username = hasUsername ? try r.readString("user name") : nil
        password = hasPassword ? try r.readBinary("password") : nil
    }

    /// Writes the packet in the layout of its own `protocolVersion`.
    func encode(into buffer: inout ByteBuffer) {
        let isV5 = protocolVersion == .v5
        let name = protocolVersion.protocolName.bytes
        var length = 2 + name.count + 1 + 1 + 2 + 2 + clientId.count
        var flags: UInt8 = cleanSession ? Self.flagCleanSession : 0
        let propertiesSize = isV5 ? properties.bodySize : 0
        var willPropertiesSize = 0
        if isV5 { length += ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize }
        if let will {
            length += 2 + will.topic.count + 2 + will.payload.count
            flags |= Self.flagWill | will.qos.rawValue << 3 | (will.retain ? Self.flagWillRetain : 0)
            if isV5 {
                willPropertiesSize = will.properties.bodySize
                length += ByteBuffer.mqttVarintSize(willPropertiesSize) + willPropertiesSize
            }
        }
        if let username {
            length += 2 + username.count
            flags |= Self.flagUsername
        }
        if let password {
            length += 2 + password.count
            flags |= Self.flagPassword
        }
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(.connect, remainingLength: length)
        buffer.writeMQTTLengthPrefixed(name)
        buffer.writeUInt8(protocolVersion.rawValue)
        buffer.writeUInt8(flags)
        buffer.writeInteger(keepAlive)
        if isV5 { properties.encode(bodySize: propertiesSize, into: &buffer) }
        buffer.writeMQTTLengthPrefixed(clientId.bytes)
        if let will {
            if isV5 { will.properties.encode(bodySize: willPropertiesSize, into: &buffer) }
            buffer.writeMQTTLengthPrefixed(will.topic.bytes)
            buffer.writeMQTTLengthPrefixed(will.payload)
        }
        if let username { buffer.writeMQTTLengthPrefixed(username.bytes) }
        if let password { buffer.writeMQTTLengthPrefixed(password) }
    }
}
