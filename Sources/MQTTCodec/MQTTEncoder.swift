import AMQPValues
import Bytes

/// Writes MQTT control packets (MQTT 3.1.1 §2–3, MQTT 3.1, MQTT 5.0 §2–3) at the end of a buffer. No I/O.
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
    /// from 3.1.1 only in CONNACK, where 3.1 has no session-present flag (always written 0). In MQTT 3.x layouts the
    /// MQTT 5 fields (properties, reason codes other than CONNACK's) are not written: 3.x has no place for them. In
    /// MQTT 5, reason codes and properties are omitted where §3 allows it (a Success PUBACK without properties is
    /// the 3.x layout; a normal DISCONNECT is empty).
    /// - Precondition: AUTH only in MQTT 5.
    public static func encode(_ packet: MQTTPacket, version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        switch packet {
        case .connect(let p): p.encode(into: &buffer)
        case .connAck(let p): p.encode(version: version, into: &buffer)
        case .publish(let p):
            p.payload.withUnsafeBytes { payload in
                writePublish(
                    topic: p.topic, packetId: p.packetId, qos: p.qos, retain: p.retain, dup: p.dup,
                    properties: version == .v5 ? p.properties : nil, topicAlias: nil, payload: payload, into: &buffer)
            }
        case .pubAck(let p): p.encode(version: version, into: &buffer)
        case .pubRec(let p): p.encode(version: version, into: &buffer)
        case .pubRel(let p): p.encode(version: version, into: &buffer)
        case .pubComp(let p): p.encode(version: version, into: &buffer)
        case .subscribe(let p): p.encode(version: version, into: &buffer)
        case .subAck(let p): p.encode(version: version, into: &buffer)
        case .unsubscribe(let p): p.encode(version: version, into: &buffer)
        case .unsubAck(let p): p.encode(version: version, into: &buffer)
        case .pingReq: buffer.writeMQTTFixedHeader(.pingReq, remainingLength: 0)
        case .pingResp: buffer.writeMQTTFixedHeader(.pingResp, remainingLength: 0)
        case .disconnect(let p): p.encode(version: version, into: &buffer)
        case .auth(let p): p.encode(version: version, into: &buffer)
        }
    }

    /// Appends an MQTT 3.x PUBLISH whose payload is copied straight from `payload` into `buffer` (the delivery hot
    /// path: no `Publish` struct, no payload array). MQTT 5 sessions use the overload with `properties`.
    /// - Precondition: `packetId` is nil for QoS 0 and non-nil and non-zero for QoS 1 and 2 [MQTT-2.3.1-1];
    ///   `dup` is false for QoS 0 [MQTT-3.3.1-2]; the topic is at most 65535 bytes and the packet fits
    ///   `maxRemainingLength`.
    public static func encodePublish(
        topic: ByteString, packetId: UInt16?, qos: MQTTQoS, retain: Bool, dup: Bool,
        payload: UnsafeRawBufferPointer, into buffer: inout ByteBuffer
    ) {
        writePublish(
            topic: topic, packetId: packetId, qos: qos, retain: retain, dup: dup, properties: nil, topicAlias: nil,
            payload: payload, into: &buffer)
    }

    /// Appends an MQTT 5 PUBLISH: as the 3.x one, with `properties` after the packet identifier (MQTT 5.0 §3.3.2),
    /// a property length of 0 when there are none. `topicAlias`, when given, is written after `properties` (the
    /// delivery path passes it here rather than building a property list per message); the topic may then be empty.
    /// - Precondition: as for the 3.x overload.
    public static func encodePublish(
        topic: ByteString, packetId: UInt16?, qos: MQTTQoS, retain: Bool, dup: Bool, properties: MQTTProperties,
        topicAlias: UInt16? = nil, payload: UnsafeRawBufferPointer, into buffer: inout ByteBuffer
    ) {
        writePublish(
            topic: topic, packetId: packetId, qos: qos, retain: retain, dup: dup, properties: properties,
            topicAlias: topicAlias, payload: payload, into: &buffer)
    }

    /// The size in bytes of an MQTT 3.x PUBLISH with these field sizes, fixed header included: what a frontend
    /// compares with `maxRemainingLength` before encoding.
    public static func publishPacketSize(topicLength: Int, payloadLength: Int, qos: MQTTQoS) -> Int {
        let remainingLength = 2 + topicLength + (qos == .atMostOnce ? 0 : 2) + payloadLength
        return 1 + ByteBuffer.mqttVarintSize(remainingLength) + remainingLength
    }

    /// The size in bytes of an MQTT 5 PUBLISH with these field sizes and `properties`, fixed header included: what
    /// a frontend compares with the client's Maximum Packet Size [MQTT-3.1.2-24] before sending.
    public static func publishPacketSize(
        topicLength: Int, payloadLength: Int, qos: MQTTQoS, properties: MQTTProperties
    ) -> Int {
        let remainingLength =
            2 + topicLength + (qos == .atMostOnce ? 0 : 2) + properties.encodedSize + payloadLength
        return 1 + ByteBuffer.mqttVarintSize(remainingLength) + remainingLength
    }

    /// Both PUBLISH layouts: `properties` nil is MQTT 3.x. Inlined into each caller, so the 3.x path carries no
    /// property code.
    @inline(__always)
    private static func writePublish(
        topic: ByteString, packetId: UInt16?, qos: MQTTQoS, retain: Bool, dup: Bool, properties: MQTTProperties?,
        topicAlias: UInt16?, payload: UnsafeRawBufferPointer, into buffer: inout ByteBuffer
    ) {
        precondition(
            qos == .atMostOnce ? packetId == nil : (packetId ?? 0) != 0,
            "[MQTT-2.3.1-1] a PUBLISH has a non-zero packet identifier exactly when its QoS is 1 or 2")
        precondition(!(dup && qos == .atMostOnce), "[MQTT-3.3.1-2] DUP must be 0 on a QoS 0 PUBLISH")
        var remainingLength = 2 + topic.count + (packetId == nil ? 0 : 2) + payload.count
        var propertiesSize = 0
        if let properties {
            propertiesSize = properties.bodySize + (topicAlias == nil ? 0 : 3)
            remainingLength += ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize
        }
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(remainingLength) + remainingLength)
        let flags =
            (dup ? MQTTPacket.Publish.flagDup : 0) | qos.rawValue << 1 | (retain ? MQTTPacket.Publish.flagRetain : 0)
        buffer.writeMQTTFixedHeader(.publish, flags: flags, remainingLength: remainingLength)
        buffer.writeMQTTLengthPrefixed(topic.bytes)
        if let packetId { buffer.writeInteger(packetId) }
        if let properties {
            properties.encode(bodySize: propertiesSize, into: &buffer)
            if let topicAlias {
                buffer.writeUInt8(MQTTProperty.Identifier.topicAlias.rawValue)
                buffer.writeInteger(topicAlias)
            }
        }
        buffer.writeBytes(payload)
    }
}
