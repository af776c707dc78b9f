import AMQPValues
import MQTTCodec
import Testing

@testable import MQTTFrontend

@Suite("MQTT 5 topic aliases, both ways")
struct MQTTTopicAliasesTests {
    @Test("a topic with an alias sets it, an empty topic uses it, a new topic replaces it")
    func inbound() throws {
        var a = MQTTTopicAliases(inboundMaximum: 4, outboundMaximum: 0)
        #expect(try a.resolve(topic: "plain", alias: nil) == "plain")
        #expect(try a.resolve(topic: "sensors/1", alias: 2) == "sensors/1")
        #expect(try a.resolve(topic: "", alias: 2) == "sensors/1")
        #expect(try a.resolve(topic: "sensors/2", alias: 2) == "sensors/2")
        #expect(try a.resolve(topic: "", alias: 2) == "sensors/2")
    }

    @Test("alias 0 or above the maximum is Topic Alias invalid; an alias never set is a protocol error")
    func inboundRefusals() {
        var a = MQTTTopicAliases(inboundMaximum: 4, outboundMaximum: 0)
        #expect(throws: MQTTTopicAliases.Refusal.self) { try a.resolve(topic: "t", alias: 0) }
        do {
            _ = try a.resolve(topic: "t", alias: 5)
            Issue.record("alias 5 accepted with a maximum of 4")
        } catch {
            #expect(error.reasonCode == .topicAliasInvalid)
        }
        do {
            _ = try a.resolve(topic: "", alias: 3)
            Issue.record("an unset alias resolved")
        } catch {
            #expect(error.reasonCode == .protocolError)
        }
        var none = MQTTTopicAliases(inboundMaximum: 0, outboundMaximum: 0)
        #expect(throws: MQTTTopicAliases.Refusal.self) { try none.resolve(topic: "t", alias: 1) }
    }

    @Test("outbound: the first send names the topic with a new alias, later ones only the alias, until none is left")
    func outbound() {
        var a = MQTTTopicAliases(inboundMaximum: 0, outboundMaximum: 2)
        #expect(a.outbound("a") == ("a", 1))
        #expect(a.outbound("a") == ("", 1))
        #expect(a.outbound("b") == ("b", 2))
        #expect(a.outbound("c") == ("c", nil))
        #expect(a.outbound("b") == ("", 2))
        var none = MQTTTopicAliases(inboundMaximum: 0, outboundMaximum: 0)
        #expect(none.outbound("a") == ("a", nil))
    }
}
