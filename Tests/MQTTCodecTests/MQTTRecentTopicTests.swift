import AMQPValues
import Bytes
import MQTTCodec
import Testing

@Suite("MQTT decoder: a repeated PUBLISH topic is shared, not copied")
struct MQTTRecentTopicTests {
    /// A QoS 0 PUBLISH of `payload` to `topic` (MQTT 3.1.1).
    private static func publish(_ topic: String, _ payload: String = "x") -> [UInt8] {
        let t = Array(topic.utf8)
        let body = [UInt8(t.count >> 8), UInt8(t.count & 0xFF)] + t + Array(payload.utf8)
        return [0x30, UInt8(body.count)] + body
    }

    private static func decodedTopic(_ bytes: [UInt8], recent: ByteString?) throws -> ByteString? {
        var buffer = ByteBuffer(bytes: bytes)
        guard case .publish(let p) = try MQTTDecoder.decode(
            &buffer, version: .v3_1_1, maxPacketSize: 1 << 20, recentTopic: recent)
        else { return nil }
        #expect(buffer.readableBytes == 0)
        return p.topic
    }

    private static func storage(_ s: ByteString) -> UnsafeRawPointer? {
        s.bytes.withUnsafeBytes { $0.baseAddress }
    }

    @Test("the same topic comes back as the recent value itself, with the payload after it intact")
    func sameTopicIsShared() throws {
        let recent = ByteString("sensors/1/temp")
        var buffer = ByteBuffer(bytes: Self.publish("sensors/1/temp", "21.5"))
        let packet = try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: 1 << 20, recentTopic: recent)
        guard case .publish(let p) = packet else {
            Issue.record("not a PUBLISH: \(String(describing: packet))")
            return
        }
        #expect(p.topic == recent)
        #expect(Self.storage(p.topic) == Self.storage(recent), "the topic was copied")
        #expect(p.payload == Array("21.5".utf8))
    }

    @Test("another topic, a longer one with the same start, and a shorter one are decoded on their own")
    func otherTopicsAreDecoded() throws {
        let recent = ByteString("a/b")
        for topic in ["a/c", "a/b/c", "a/", "b/b"] {
            let decoded = try #require(try Self.decodedTopic(Self.publish(topic), recent: recent))
            #expect(decoded == ByteString(topic))
            #expect(Self.storage(decoded) != Self.storage(recent))
        }
    }

    @Test("a different topic with a wildcard is still refused, whatever the recent topic")
    func wildcardStillRefused() {
        #expect(throws: MQTTProtocolError.self) {
            _ = try Self.decodedTopic(Self.publish("a/+"), recent: ByteString("a/b"))
        }
    }

    @Test("a recent topic longer than what is left of the packet does not read past its end")
    func truncatedPacket() {
        // Remaining length 4: topic length 3 but only "a/" and nothing after it.
        #expect(throws: MQTTProtocolError.self) {
            _ = try Self.decodedTopic([0x30, 4, 0, 3, UInt8(ascii: "a"), UInt8(ascii: "/")], recent: ByteString("a/b"))
        }
    }
}
