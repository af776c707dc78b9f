import Bytes
import MQTTCodec
import Testing

@Suite("MQTT encoder")
struct MQTTEncoderTests {
    @Test(
        "remaining length uses one to four bytes at the varint boundaries",
        arguments: [
            (127, [0x7F] as [UInt8]), (128, [0x80, 0x01]), (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
            (2_097_151, [0xFF, 0xFF, 0x7F]), (2_097_152, [0x80, 0x80, 0x80, 0x01]),
        ])
    func varintBoundaries(remainingLength: Int, lengthBytes: [UInt8]) throws {
        // QoS 0 PUBLISH to "t": remaining length = 2 + 1 + payload.
        let publish = MQTTPacket.Publish(topic: "t", payload: [UInt8](repeating: 0x5A, count: remainingLength - 3))
        var buffer = ByteBuffer()
        MQTTEncoder.encode(.publish(publish), version: .v3_1_1, into: &buffer)
        #expect(buffer.readableBytes == 1 + lengthBytes.count + remainingLength)
        #expect(Array(buffer.readableBytesArray[1...lengthBytes.count]) == lengthBytes)
        #expect(
            MQTTEncoder.publishPacketSize(topicLength: 1, payloadLength: remainingLength - 3, qos: .atMostOnce)
                == buffer.readableBytes)

        let decoded = try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: 4 << 20)
        #expect(decoded == .publish(publish))
    }

    @Test(
        "the publish fast path writes the same bytes as encoding the packet",
        arguments: [
            MQTTPacket.Publish(topic: "a/b", payload: Array("hello".utf8)),
            MQTTPacket.Publish(qos: .atLeastOnce, retain: true, topic: "s/1", packetId: 1, payload: []),
            MQTTPacket.Publish(dup: true, qos: .exactlyOnce, topic: "x", packetId: 65535, payload: [0, 1, 2]),
        ])
    func fastPathMatches(_ publish: MQTTPacket.Publish) {
        var viaPacket = ByteBuffer()
        MQTTEncoder.encode(.publish(publish), version: .v3_1_1, into: &viaPacket)
        var viaFastPath = ByteBuffer(bytes: [0xEE])  // appends after what is already there
        publish.payload.withUnsafeBytes { payload in
            MQTTEncoder.encodePublish(
                topic: publish.topic, packetId: publish.packetId, qos: publish.qos, retain: publish.retain,
                dup: publish.dup, payload: payload, into: &viaFastPath)
        }
        #expect(viaFastPath.readableBytesArray == [0xEE] + viaPacket.readableBytesArray)
        #expect(
            MQTTEncoder.publishPacketSize(
                topicLength: publish.topic.count, payloadLength: publish.payload.count, qos: publish.qos)
                == viaPacket.readableBytes)
    }

    @Test("packets encoded back to back decode back in order")
    func encodeManyThenDecode() throws {
        let packets: [MQTTPacket] = [
            .publish(.init(qos: .atLeastOnce, topic: "a", packetId: 1, payload: [1])),
            .pubRel(.init(packetId: 2)),
            .subAck(.init(packetId: 3, returnCodes: [1])),
            .pingResp,
        ]
        var buffer = ByteBuffer()
        for p in packets { MQTTEncoder.encode(p, version: .v3_1_1, into: &buffer) }
        var decoded: [MQTTPacket] = []
        while let p = try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: 1 << 20) { decoded.append(p) }
        #expect(decoded == packets)
    }
}
