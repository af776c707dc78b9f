import AMQPValues
import MQTTCodec
import Testing

@Suite("MQTT topic names and filters")
struct MQTTTopicTests {
    @Test("[MQTT-4.7.3-1] topic names: non-empty, no wildcards, no U+0000, valid UTF-8", arguments: [
        ("a", true), ("a/b", true), ("/", true), ("/a/", true), ("$SYS/x", true), ("sport/tennis player1", true),
        ("", false), ("a/+", false), ("a/#", false), ("a+b", false), ("#", false),
    ])
    func topicNames(topic: String, valid: Bool) {
        #expect(MQTTTopic.isValidTopicName(ByteString(topic)) == valid)
    }

    @Test("topic names reject U+0000, invalid UTF-8 and more than 65535 bytes")
    func topicNameBytes() {
        #expect(!MQTTTopic.isValidTopicName(ByteString([0x61, 0x00, 0x62])))
        #expect(!MQTTTopic.isValidTopicName(ByteString([0x61, 0xC3])))
        #expect(!MQTTTopic.isValidTopicName(ByteString([0xED, 0xA0, 0x80])))  // encoded surrogate
        #expect(MQTTTopic.isValidTopicName(ByteString([UInt8](repeating: 0x61, count: 65535))))
        #expect(!MQTTTopic.isValidTopicName(ByteString([UInt8](repeating: 0x61, count: 65536))))
        #expect(MQTTTopic.isValidTopicName(ByteString("caf\u{E9}/\u{1F600}")))
    }

    @Test("[MQTT-4.7.1-2][MQTT-4.7.1-3] filters: + a whole level, # the whole last level", arguments: [
        ("#", true), ("+", true), ("a/#", true), ("a/+", true), ("+/+", true), ("+/a/#", true), ("/", true),
        ("a//b", true), ("$SYS/#", true), ("/#", true), ("+/", true), ("sport/+/player1", true),
        ("", false), ("a#", false), ("a/#/b", false), ("#/", false), ("a+", false), ("a/+b", false), ("+a/b", false),
        ("sport/tennis#", false), ("##", false), ("++", false),
    ])
    func filters(filter: String, valid: Bool) {
        #expect(MQTTTopic.isValidFilter(ByteString(filter)) == valid)
    }

    @Test("filters reject U+0000")
    func filterNul() {
        #expect(!MQTTTopic.isValidFilter(ByteString([0x61, 0x2F, 0x00])))
    }
}
