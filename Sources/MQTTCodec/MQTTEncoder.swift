import AMQPValues
import Bytes

/// Writes MQTT control packets (MQTT 3.1.1 §2–3, MQTT 3.1) at the end of a buffer. No I/O.
///
/// Every packet's size is computed first and reserved once, so an encode is one capacity check and plain
/// appends. The encoder trusts its caller: packets the frontend builds are valid by construction, and a
/// violation (a QoS 1 PUBLISH without a packet identifier, a string over 65535 bytes, a body over
/// `maxRemainingLength`) is a programming error that traps rather than putting invalid bytes on the wire.
/// Callers delivering messages of unbounded size check `publishPacketSize` against the limit first.
public enum MQTTEncoder {
    /// The largest remaining length four varint bytes can express (MQTT 3.1.1 §2.2.3): 256 MiB - 1.
    public static let maxRemainingLength = 268_435_455

    /// Appends `packet` as the session's protocol `version` lays it out.
    ///
    /// For CONNECT the protocol name and level come from the packet's own `protocolVersion`. MQTT 3.1 differs
    /// from 3.1.1 only in CONNACK, where 3.1 has no session-present flag (always written 0).
    /// - Precondition: for `.v5`, only CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT and
    ///   the pings: the other MQTT 5 layouts are not implemented yet, and the frontend never lets a connection
    ///   negotiate level 5.
    public static func encode(_ packet: MQTTPacket, version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        if version == .v5 {
            switch packet {
            case .pubAck(let p): return writeAck(.pubAck, p.packetId, p.reasonCode, p.properties, into: &buffer)
            case .pubRec(let p): return writeAck(.pubRec, p.packetId, p.reasonCode, p.properties, into: &buffer)
            case .pubRel(let p): return writeAck(.pubRel, p.packetId, p.reasonCode, p.properties, into: &buffer)
            case .pubComp(let p): return writeAck(.pubComp, p.packetId, p.reasonCode, p.properties, into: &buffer)
            case .disconnect(let p):
                guard p.reasonCode != .success || !p.properties.isEmpty else { break }
                let length = 1 + (p.properties.isEmpty ? 0 : p.properties.encodedSize)
                buffer.writeMQTTFixedHeader(.disconnect, remainingLength: length)
                buffer.writeUInt8(p.reasonCode.rawValue)
                if !p.properties.isEmpty { buffer.writeMQTTProperties(p.properties) }
                return
            case .connAck(let p): return p.encode(version: .v5, into: &buffer)
            case .subAck(let p): return p.encode(version: .v5, into: &buffer)
            case .unsubAck(let p):
                let length = 2 + p.properties.encodedSize + p.reasonCodes.count
                buffer.writeMQTTFixedHeader(.unsubAck, remainingLength: length)
                buffer.writeInteger(p.packetId)
                buffer.writeMQTTProperties(p.properties)
                for code in p.reasonCodes { buffer.writeUInt8(code.rawValue) }
                return
            case .pingReq, .pingResp: break
            default: preconditionFailure("MQTT 5.0 \(packet.type) encoding is not implemented")
            }
        }
        switch packet {
        case .connect(let p): p.encode(into: &buffer)
        case .connAck(let p): p.encode(version: version, into: &buffer)
        case .publish(let p):
            p.payload.withUnsafeBytes { payload in
                encodePublish(
                    topic: p.topic, packetId: p.packetId, qos: p.qos, retain: p.retain, dup: p.dup, payload: payload,
                    into: &buffer)
            }
        case .pubAck(let p): buffer.writeMQTTPacketIdOnly(.pubAck, packetId: p.packetId)
        case .pubRec(let p): buffer.writeMQTTPacketIdOnly(.pubRec, packetId: p.packetId)
        case .pubRel(let p): buffer.writeMQTTPacketIdOnly(.pubRel, packetId: p.packetId)
        case .pubComp(let p): buffer.writeMQTTPacketIdOnly(.pubComp, packetId: p.packetId)
        case .subscribe(let p): p.encode(into: &buffer)
        case .subAck(let p): p.encode(version: version, into: &buffer)
        case .unsubscribe(let p): p.encode(into: &buffer)
        case .unsubAck(let p): buffer.writeMQTTPacketIdOnly(.unsubAck, packetId: p.packetId)
        case .pingReq: buffer.writeMQTTFixedHeader(.pingReq, remainingLength: 0)
        case .pingResp: buffer.writeMQTTFixedHeader(.pingResp, remainingLength: 0)
        case .disconnect: buffer.writeMQTTFixedHeader(.disconnect, remainingLength: 0)
        }
    }

    /// An acknowledgement in the MQTT 5 layout: the 3.x form when it is a plain success, else the reason code and,
    /// if any, the properties (MQTT 5.0 §3.4.2).
    private static func writeAck(
        _ type: MQTTPacketType, _ packetId: UInt16, _ code: MQTTReasonCode, _ properties: MQTTProperties,
        into buffer: inout ByteBuffer
    ) {
        guard code != .success || !properties.isEmpty else {
            return buffer.writeMQTTPacketIdOnly(type, packetId: packetId)
        }
        let length = 3 + (properties.isEmpty ? 0 : properties.encodedSize)
        buffer.writeMQTTFixedHeader(type, flags: type.requiredFlags ?? 0, remainingLength: length)
        buffer.writeInteger(packetId)
        buffer.writeUInt8(code.rawValue)
        if !properties.isEmpty { buffer.writeMQTTProperties(properties) }
    }

    /// Appends a PUBLISH whose payload is copied straight from `payload` into `buffer` (the delivery hot path:
    /// no `Publish` struct, no payload array). MQTT 3.x layout; MQTT 5 will add an overload taking properties.
    /// - Precondition: `packetId` is nil for QoS 0 and non-nil and non-zero for QoS 1 and 2 [MQTT-2.3.1-1];
    ///   `dup` is false for QoS 0 [MQTT-3.3.1-2]; the topic is at most 65535 bytes and the packet fits
    ///   `maxRemainingLength`.
    public static func encodePublish(
        topic: ByteString, packetId: UInt16?, qos: MQTTQoS, retain: Bool, dup: Bool,
        payload: UnsafeRawBufferPointer, into buffer: inout ByteBuffer
    ) {
        precondition(
            qos == .atMostOnce ? packetId == nil : (packetId ?? 0) != 0,
            "[MQTT-2.3.1-1] a PUBLISH has a non-zero packet identifier exactly when its QoS is 1 or 2")
        precondition(!(dup && qos == .atMostOnce), "[MQTT-3.3.1-2] DUP must be 0 on a QoS 0 PUBLISH")
        let remainingLength = 2 + topic.count + (packetId == nil ? 0 : 2) + payload.count
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(remainingLength) + remainingLength)
        let flags =
            (dup ? MQTTPacket.Publish.flagDup : 0) | qos.rawValue << 1 | (retain ? MQTTPacket.Publish.flagRetain : 0)
        buffer.writeMQTTFixedHeader(.publish, flags: flags, remainingLength: remainingLength)
        buffer.writeMQTTLengthPrefixed(topic.bytes)
        if let packetId { buffer.writeInteger(packetId) }
        buffer.writeBytes(payload)
    }

    /// The size in bytes of a PUBLISH with these field sizes, fixed header included: what a frontend compares
    /// with a peer's limit (MQTT 5 Maximum Packet Size) or with `maxRemainingLength` before encoding.
    public static func publishPacketSize(topicLength: Int, payloadLength: Int, qos: MQTTQoS) -> Int {
        let remainingLength = 2 + topicLength + (qos == .atMostOnce ? 0 : 2) + payloadLength
        return 1 + ByteBuffer.mqttVarintSize(remainingLength) + remainingLength
    }
}
