import Bytes

/// Cuts MQTT control packets out of the bytes received on a connection (MQTT 3.1.1 §2, MQTT 3.1). No I/O:
/// the connection appends what it reads to a buffer and calls `decode` until it returns nil.
///
/// Everything the fixed header can reveal is checked as soon as those bytes arrive, before waiting for the
/// body: the packet type against the connection state, the reserved flag bits [MQTT-2.2.2-1], PUBLISH QoS
/// and DUP, the remaining length of fixed-size packets and the maximum packet size. A hostile length is
/// therefore refused without buffering what it announces.
public enum MQTTDecoder {
    /// Decodes the packet at the front of `buffer`, consuming it.
    ///
    /// Returns nil, leaving `buffer` untouched, until the whole packet is buffered. The packet must use every
    /// byte its remaining length announces: extra bytes after the last field are malformed.
    /// - Parameters:
    ///   - version: the protocol level the connection's CONNECT established, or nil before CONNECT. With nil,
    ///     only CONNECT is accepted [MQTT-3.1.0-1]; with a version, CONNECT is refused [MQTT-3.1.0-2].
    ///     Of the MQTT 5 layouts only CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT and the
    ///     pings are decoded so far; with `.v5` every other packet is `unsupportedProtocolVersion`.
    ///   - maxPacketSize: the largest packet accepted, fixed header included (the MQTT 5 definition of packet size).
    /// - Throws: `MQTTProtocolError`; for a CONNECT with an unknown level, code `unsupportedProtocolVersion`
    ///   with the level in `protocolLevel`, so the frontend can answer CONNACK 0x01 [MQTT-3.1.2-2].
    public static func decode(
        _ buffer: inout ByteBuffer, version: MQTTProtocolVersion?, maxPacketSize: Int
    ) throws(MQTTProtocolError) -> MQTTPacket? {
        guard let first = buffer.peekUInt8() else { return nil }
        let type = try checkFirstByte(first, version: version)

        // Remaining length: 7 bits per byte, least significant first, at most four bytes (MQTT 3.1.1 §2.2.3).
        var remainingLength = 0
        var lengthBytes = 0
        while true {
            guard let byte = buffer.peekUInt8(at: 1 + lengthBytes) else { return nil }
            remainingLength |= Int(byte & 0x7F) << (7 * lengthBytes)
            lengthBytes += 1
            if byte & 0x80 == 0 { break }
            guard lengthBytes < 4 else {
                throw .malformed("[MQTT §2.2.3] \(type) remaining length continues past its fourth byte")
            }
        }
        if let fixed = type.fixedRemainingLength, remainingLength != fixed, !(version == .v5 && type.isDecodedInV5) {
            throw .malformed("[MQTT §2.2.3] \(type) has remaining length \(remainingLength); it must be \(fixed)")
        }
        let headerSize = 1 + lengthBytes
        let packetSize = headerSize + remainingLength
        guard packetSize <= maxPacketSize else {
            throw MQTTProtocolError(
                code: .packetTooLarge,
                message: "\(type) of \(packetSize) bytes exceeds the maximum packet size of \(maxPacketSize) bytes")
        }
        guard buffer.readableBytes >= packetSize else { return nil }

        let decoded = buffer.withReadableBytes { raw in
            Result { () throws(MQTTProtocolError) -> MQTTPacket in
                var reader = MQTTPacketReader(
                    packet: type, body: UnsafeRawBufferPointer(rebasing: raw[headerSize..<packetSize]))
                let packet = try decodeBody(type, flags: first & 0x0F, version: version, reader: &reader)
                guard reader.remaining == 0 else {
                    throw .malformed(
                        "[MQTT §2.2.3] \(type) has \(reader.remaining) bytes after its last field: "
                            + "the remaining length is too long")
                }
                return packet
            }
        }
        let packet = try decoded.get()
        buffer.moveReaderIndex(forwardBy: packetSize)
        return packet
    }

    /// Checks the type-and-flags byte: a defined type, allowed in the connection state, with valid flags.
    private static func checkFirstByte(
        _ byte: UInt8, version: MQTTProtocolVersion?
    ) throws(MQTTProtocolError) -> MQTTPacketType {
        guard let type = MQTTPacketType(rawValue: byte >> 4) else {
            throw .malformed("[MQTT §2.2.1] packet type \(byte >> 4) is reserved")
        }
        switch version {
        case nil:
            guard type == .connect else {
                throw .protocolViolation("[MQTT-3.1.0-1] \(type) before CONNECT: the first packet must be CONNECT")
            }
        case .v5?:
            guard type.isDecodedInV5 else {
                throw MQTTProtocolError(
                    code: .unsupportedProtocolVersion, message: "MQTT 5.0 \(type) packets are not supported yet",
                    protocolLevel: MQTTProtocolVersion.v5.rawValue)
            }
        case .v3_1?, .v3_1_1?:
            guard type != .connect else {
                throw .protocolViolation("[MQTT-3.1.0-2] second CONNECT on a connection")
            }
        }
        let flags = byte & 0x0F
        if let required = type.requiredFlags {
            guard flags == required else {
                throw .malformed(
                    "\(type.flagsClause) \(type) fixed-header flags \(flags.nibbleString) must be \(required.nibbleString)"
                )
            }
        } else {
            _ = try MQTTPacket.Publish.parseFlags(flags)
        }
        return type
    }

    private static func decodeBody(
        _ type: MQTTPacketType, flags: UInt8, version: MQTTProtocolVersion?, reader r: inout MQTTPacketReader
    ) throws(MQTTProtocolError) -> MQTTPacket {
        // Only CONNECT gets here without a version (checkFirstByte), and it reads the level from its own body.
        let version = version ?? .v3_1_1
        switch type {
        case .connect: return .connect(try MQTTPacket.Connect(decoding: &r))
        case .connAck: return .connAck(try MQTTPacket.ConnAck(decoding: &r, version: version))
        case .publish: return .publish(try MQTTPacket.Publish(decoding: &r, flags: flags))
        case .pubAck:
            let (id, code, props) = try readAck(&r, version: version, context: .pubAck, allowed: Self.publishAckCodes)
            return .pubAck(MQTTPacket.PubAck(packetId: id, reasonCode: code, properties: props))
        case .pubRec:
            let (id, code, props) = try readAck(&r, version: version, context: .pubRec, allowed: Self.publishAckCodes)
            return .pubRec(MQTTPacket.PubRec(packetId: id, reasonCode: code, properties: props))
        case .pubRel:
            let (id, code, props) = try readAck(&r, version: version, context: .pubRel, allowed: Self.releaseCodes)
            return .pubRel(MQTTPacket.PubRel(packetId: id, reasonCode: code, properties: props))
        case .pubComp:
            let (id, code, props) = try readAck(&r, version: version, context: .pubComp, allowed: Self.releaseCodes)
            return .pubComp(MQTTPacket.PubComp(packetId: id, reasonCode: code, properties: props))
        case .subscribe: return .subscribe(try MQTTPacket.Subscribe(decoding: &r))
        case .subAck: return .subAck(try MQTTPacket.SubAck(decoding: &r, version: version))
        case .unsubscribe: return .unsubscribe(try MQTTPacket.Unsubscribe(decoding: &r))
        case .unsubAck:
            let id = try r.readPacketId()
            guard version == .v5 else { return .unsubAck(MQTTPacket.UnsubAck(packetId: id)) }
            let props = try r.readProperties(.unsubAck)
            guard r.remaining > 0 else {
                throw .protocolViolation("[MQTT-3.11.3-1] UNSUBACK has no reason codes, but an UNSUBSCRIBE has a filter")
            }
            var codes: [MQTTReasonCode] = []
            while r.remaining > 0 {
                let code = MQTTReasonCode(rawValue: try r.readUInt8("reason code"))
                guard Self.unsubAckCodes.contains(code.rawValue) else {
                    throw .malformed("[MQTT §3.11.3] UNSUBACK reason code \(code) is not one it may carry")
                }
                codes.append(code)
            }
            return .unsubAck(MQTTPacket.UnsubAck(packetId: id, reasonCodes: codes, properties: props))
        case .pingReq: return .pingReq
        case .pingResp: return .pingResp
        case .disconnect:
            guard version == .v5, r.remaining > 0 else { return .disconnect(MQTTPacket.Disconnect()) }
            let code = MQTTReasonCode(rawValue: try r.readUInt8("reason code"))
            guard Self.disconnectCodes.contains(code.rawValue) else {
                throw .malformed("[MQTT-3.14.2-1] DISCONNECT reason code \(code) is not one DISCONNECT may carry")
            }
            let props = r.remaining > 0 ? try r.readProperties(.disconnect) : MQTTProperties()
            return .disconnect(MQTTPacket.Disconnect(reasonCode: code, properties: props))
        }
    }

    /// The reason codes UNSUBACK may carry (§3.11.3).
    static let unsubAckCodes: Set<UInt8> = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]
    /// The reason codes PUBACK and PUBREC may carry (MQTT 5.0 §3.4.2.1, §3.5.2.1).
    static let publishAckCodes: Set<UInt8> = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]
    /// The reason codes PUBREL and PUBCOMP may carry (§3.6.2.1, §3.7.2.1).
    static let releaseCodes: Set<UInt8> = [0x00, 0x92]
    /// The reason codes DISCONNECT may carry (§3.14.2.1).
    static let disconnectCodes: Set<UInt8> = [
        0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
        0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
    ]

    /// An acknowledgement's packet id and, in MQTT 5, its reason code and properties, both optional on the wire
    /// (a remaining length of 2 means success, of 3 a reason code without properties).
    private static func readAck(
        _ r: inout MQTTPacketReader, version: MQTTProtocolVersion, context: MQTTPropertyContext, allowed: Set<UInt8>
    ) throws(MQTTProtocolError) -> (UInt16, MQTTReasonCode, MQTTProperties) {
        let id = try r.readPacketId()
        guard version == .v5, r.remaining > 0 else { return (id, .success, MQTTProperties()) }
        let code = MQTTReasonCode(rawValue: try r.readUInt8("reason code"))
        guard allowed.contains(code.rawValue) else {
            let clause = [MQTTPacketType.pubAck: "3.4", .pubRec: "3.5", .pubRel: "3.6"][r.packet] ?? "3.7"
            throw .malformed("[MQTT §\(clause).2.1] \(r.packet) reason code \(code) is not one it may carry")
        }
        let props = r.remaining > 0 ? try r.readProperties(context) : MQTTProperties()
        return (id, code, props)
    }
}
