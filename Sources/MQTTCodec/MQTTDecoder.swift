import AMQPValues
import Bytes

/// Cuts MQTT control packets out of the bytes received on a connection (MQTT 3.1.1 §2, MQTT 3.1, MQTT 5.0 §2). No
/// I/O: the connection appends what it reads to a buffer and calls `decode` until it returns nil.
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
    ///     only CONNECT is accepted [MQTT-3.1.0-1]; with a version, CONNECT is refused [MQTT-3.1.0-2]. Packet type 15
    ///     is AUTH in an MQTT 5 session and reserved (malformed) otherwise.
    ///   - maxPacketSize: the largest packet accepted, fixed header included (the MQTT 5 definition of packet size).
    ///   - acceptsMQTT5: whether a CONNECT asking for level 5 is decoded (as a `.v5` CONNECT, after which the
    ///     caller passes `version: .v5`). False by default, for a caller that speaks only MQTT 3.x: such a CONNECT
    ///     is then refused with `unsupportedProtocolVersion` and `protocolLevel` 5, before its flags are looked at.
    ///     Only used while `version` is nil.
    ///   - recentTopic: a topic name this connection published to before (the caller's last PUBLISH topic). A
    ///     PUBLISH to the same topic returns this very value: no copy, no allocation, no second validation, which
    ///     is what a client publishing to one topic over and over gets on every message.
    /// - Throws: `MQTTProtocolError`; for a CONNECT with an unknown level, code `unsupportedProtocolVersion`
    ///   with the level in `protocolLevel`, so the frontend can answer CONNACK 0x01 [MQTT-3.1.2-2].
    public static func decode(
        _ buffer: inout ByteBuffer, version: MQTTProtocolVersion?, maxPacketSize: Int, acceptsMQTT5: Bool = false,
        recentTopic: ByteString? = nil
    ) throws(MQTTProtocolError) -> MQTTPacket? {
        guard let first = buffer.peekUInt8() else { return nil }
        let type = try checkFirstByte(first, version: version, acceptsMQTT5: acceptsMQTT5)

        // Remaining length: 7 bits per byte, least significant first, at most four bytes (MQTT 3.1.1 §2.2.3,
        // MQTT 5.0 §2.1.4), and in MQTT 5 in no more bytes than the value needs [MQTT-1.5.5-1].
        var remainingLength = 0
        var lengthBytes = 0
        while true {
            guard let byte = buffer.peekUInt8(at: 1 + lengthBytes) else { return nil }
            remainingLength |= Int(byte & 0x7F) << (7 * lengthBytes)
            lengthBytes += 1
            if byte & 0x80 == 0 {
                if version == .v5 && byte == 0 && lengthBytes > 1 {
                    throw .malformed(
                        "[MQTT-1.5.5-1] \(type) remaining length is encoded in more bytes than its value needs")
                }
                break
            }
            guard lengthBytes < 4 else {
                throw .malformed(
                    "\(MQTTPacketReader.lengthSection(version)) \(type) remaining length continues past its fourth byte"
                )
            }
        }
        if let fixed = type.fixedRemainingLength(version), remainingLength != fixed {
            throw .malformed(
                "\(MQTTPacketReader.lengthSection(version)) \(type) has remaining length \(remainingLength); "
                    + "it must be \(fixed)")
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
                    packet: type, body: UnsafeRawBufferPointer(rebasing: raw[headerSize..<packetSize]),
                    version: version)
                reader.recentTopic = recentTopic
                let packet = try decodeBody(type, flags: first & 0x0F, acceptsMQTT5: acceptsMQTT5, reader: &reader)
                guard reader.remaining == 0 else {
                    throw .malformed(
                        "\(MQTTPacketReader.lengthSection(reader.version)) \(type) has \(reader.remaining) bytes "
                            + "after its last field: the remaining length is too long")
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
        _ byte: UInt8, version: MQTTProtocolVersion?, acceptsMQTT5: Bool
    ) throws(MQTTProtocolError) -> MQTTPacketType {
        guard let type = MQTTPacketType(rawValue: byte >> 4),
            type != .auth || version == .v5 || (version == nil && acceptsMQTT5)
        else {
            throw .malformed(
                "\(version == .v5 ? "[MQTT5 §2.1.2]" : "[MQTT §2.2.1]") packet type \(byte >> 4) is reserved")
        }
        if version == nil {
            guard type == .connect else {
                throw .protocolViolation("[MQTT-3.1.0-1] \(type) before CONNECT: the first packet must be CONNECT")
            }
        } else if type == .connect {
            throw .protocolViolation("[MQTT-3.1.0-2] second CONNECT on a connection")
        }
        let flags = byte & 0x0F
        if let required = type.requiredFlags {
            guard flags == required else {
                throw .malformed(
                    "\(type.flagsClause(version)) \(type) fixed-header flags \(flags.nibbleString) must be "
                        + required.nibbleString)
            }
        } else {
            _ = try MQTTPacket.Publish.parseFlags(flags)
        }
        return type
    }

    private static func decodeBody(
        _ type: MQTTPacketType, flags: UInt8, acceptsMQTT5: Bool, reader r: inout MQTTPacketReader
    ) throws(MQTTProtocolError) -> MQTTPacket {
        switch type {
        case .connect: .connect(try MQTTPacket.Connect(decoding: &r, acceptsMQTT5: acceptsMQTT5))
        case .connAck: .connAck(try MQTTPacket.ConnAck(decoding: &r))
        case .publish: .publish(try MQTTPacket.Publish(decoding: &r, flags: flags))
        case .pubAck: .pubAck(try MQTTPacket.PubAck(decoding: &r))
        case .pubRec: .pubRec(try MQTTPacket.PubRec(decoding: &r))
        case .pubRel: .pubRel(try MQTTPacket.PubRel(decoding: &r))
        case .pubComp: .pubComp(try MQTTPacket.PubComp(decoding: &r))
        case .subscribe: .subscribe(try MQTTPacket.Subscribe(decoding: &r))
        case .subAck: .subAck(try MQTTPacket.SubAck(decoding: &r))
        case .unsubscribe: .unsubscribe(try MQTTPacket.Unsubscribe(decoding: &r))
        case .unsubAck: .unsubAck(try MQTTPacket.UnsubAck(decoding: &r))
        case .pingReq: .pingReq
        case .pingResp: .pingResp
        case .disconnect: .disconnect(try MQTTPacket.Disconnect(decoding: &r))
        case .auth: .auth(try MQTTPacket.Auth(decoding: &r))
        }
    }
}
