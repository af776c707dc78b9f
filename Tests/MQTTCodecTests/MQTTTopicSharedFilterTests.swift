import AMQPValues
import MQTTCodec
import Testing

@Suite("MQTT 5 shared subscription filters")
struct MQTTTopicSharedFilterTests {
    @Test(
        "[MQTT-4.8.2-1][MQTT-4.8.2-2] $share/{ShareName}/{filter} splits into the share name and the filter",
        arguments: [
            ("$share/g/a/b", "g", "a/b"), ("$share/group-1/#", "group-1", "#"), ("$share/g/+/x", "g", "+/x"),
            ("$share/g//", "g", "/"), ("$share/é/a", "é", "a"),
        ])
    func splits(filter: String, shareName: String, topicFilter: String) throws {
        let parts = try #require(MQTTTopic.splitSharedFilter(ByteString(filter)))
        #expect(parts.shareName == ByteString(shareName))
        #expect(parts.filter == ByteString(topicFilter))
        #expect(MQTTTopic.isSharedFilter(ByteString(filter)))
    }

    @Test(
        "invalid shared subscriptions do not split",
        arguments: [
            "$share//a", "$share/g", "$share/g/", "$share/+/a", "$share/#/a", "$share/g+/a", "$share/g/a#", "$share/",
        ])
    func invalid(filter: String) {
        #expect(MQTTTopic.isSharedFilter(ByteString(filter)))
        #expect(MQTTTopic.splitSharedFilter(ByteString(filter)) == nil)
    }

    @Test(
        "filters that do not start with $share/ are not shared",
        arguments: ["$share", "$SHARE/g/a", "$sharex/g/a", "a/$share/g/a", "#"])
    func notShared(filter: String) {
        #expect(!MQTTTopic.isSharedFilter(ByteString(filter)))
        #expect(MQTTTopic.splitSharedFilter(ByteString(filter)) == nil)
    }
}
