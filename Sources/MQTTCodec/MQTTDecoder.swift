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
    ///     MQTT 5 packets are not decoded yet: `.v5` makes every packet `unsupportedProtocolVersion`.
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
        if let fixed = type.fixedRemainingLength, remainingLength != fixed {
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
            throw MQTTProtocolError(
                code: .unsupportedProtocolVersion, message: "MQTT 5.0 \(type) packets are not supported yet",
                protocolLevel: MQTTProtocolVersion.v5.rawValue)
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
        case .pubAck: return .pubAck(MQTTPacket.PubAck(packetId: try r.readPacketId()))
        case .pubRec: return .pubRec(MQTTPacket.PubRec(packetId: try r.readPacketId()))
        case .pubRel: return .pubRel(MQTTPacket.PubRel(packetId: try r.readPacketId()))
        case .pubComp: return .pubComp(MQTTPacket.PubComp(packetId: try r.readPacketId()))
        case .subscribe: return .subscribe(try MQTTPacket.Subscribe(decoding: &r))
        case .subAck: return .subAck(try MQTTPacket.SubAck(decoding: &r))
        case .unsubscribe: return .unsubscribe(try MQTTPacket.Unsubscribe(decoding: &r))
        case .unsubAck: return .unsubAck(MQTTPacket.UnsubAck(packetId: try r.readPacketId()))
        case .pingReq: return .pingReq
        case .pingResp: return .pingResp
        case .disconnect: return .disconnect(MQTTPacket.Disconnect())
        }
    }
}
