import AMQPValues
import Bytes
import MQTTCodec

/// A block of identical PUBLISH packets ready to be sent with one `send`: the packet is encoded once with
/// `MQTTEncoder.encodePublish`, copied `capacity` times, and per batch only the 8-byte timestamp at the start
/// of each payload (and, for QoS 1 and 2, the packet identifier) is patched. That keeps the publisher's cost
/// per message at one or two stores and a share of a syscall.
final class MQTTPublishBatch {
    /// Encoded size of one PUBLISH.
    let packetSize: Int
    /// How many packets the block holds.
    let capacity: Int
    /// Offset of the payload inside one packet.
    private let payloadOffset: Int
    /// Offset of the packet identifier inside one packet, or nil for QoS 0.
    private let packetIdOffset: Int?
    private let stamps: Bool
    private let block: UnsafeMutableRawPointer

    /// Encodes a PUBLISH of a `payloadSize`-byte zero payload to `topic` at `qos` in the layout of `version` (MQTT 5:
    /// with an empty property list) and lays out as many copies as fit in about `targetBytes` (at least one).
    /// With `topicAlias` (MQTT 5) the packets carry topic alias 1 and an empty topic.
    init(
        topic: String, qos: MQTTQoS, payloadSize: Int, version: MQTTProtocolVersion = .v3_1_1,
        topicAlias: Bool = false, targetBytes: Int = 128 << 10
    ) {
        let topicBytes = topicAlias ? ByteString("") : ByteString(topic)
        let properties: MQTTProperties = topicAlias ? [.topicAlias(1)] : []
        var packet = ByteBuffer(capacity: payloadSize + topicBytes.count + 16)
        let payload = [UInt8](repeating: 0, count: payloadSize)
        payload.withUnsafeBytes {
            if version == .v5 {
                MQTTEncoder.encodePublish(
                    topic: topicBytes, packetId: qos == .atMostOnce ? nil : 1, qos: qos, retain: false, dup: false,
                    properties: properties, payload: $0, into: &packet)
            } else {
                MQTTEncoder.encodePublish(
                    topic: topicBytes, packetId: qos == .atMostOnce ? nil : 1, qos: qos, retain: false, dup: false,
                    payload: $0, into: &packet)
            }
        }
        packetSize = packet.readableBytes
        payloadOffset = packetSize - payloadSize
        // The packet identifier comes before the properties (their length and body in MQTT 5).
        packetIdOffset = qos == .atMostOnce ? nil : payloadOffset - 2 - (version == .v5 ? properties.encodedSize : 0)
        stamps = payloadSize >= 8
        capacity = max(1, targetBytes / packetSize)
        block = UnsafeMutableRawPointer.allocate(byteCount: packetSize * capacity, alignment: 16)
        packet.withReadableBytes { one in
            for i in 0..<capacity { (block + i * packetSize).copyMemory(from: one.baseAddress!, byteCount: packetSize) }
        }
    }

    deinit { block.deallocate() }

    /// Stamps the first `count` packets with `timestamp` and, for QoS 1 and 2, with consecutive packet
    /// identifiers from `firstPacketId` (wrapping from 65535 to 1); returns their bytes.
    @inline(__always)
    func prepare(_ count: Int, timestamp: UInt64, firstPacketId: UInt16) -> UnsafeRawBufferPointer {
        if stamps {
            var at = block + payloadOffset
            for _ in 0..<count {
                at.storeBytes(of: timestamp.bigEndian, as: UInt64.self)
                at += packetSize
            }
        }
        if let packetIdOffset {
            var at = block + packetIdOffset
            var id = firstPacketId
            for _ in 0..<count {
                at.storeBytes(of: id.bigEndian, as: UInt16.self)
                id = PacketIdWindow.successor(id)
                at += packetSize
            }
        }
        return UnsafeRawBufferPointer(start: block, count: count * packetSize)
    }
}
