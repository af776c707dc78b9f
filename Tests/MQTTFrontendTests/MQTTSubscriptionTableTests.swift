import AMQPValues
import Testing

@testable import MQTTFrontend

@Suite("MQTT 5 subscription options: binding arguments, identifiers, retain as published, no local")
struct MQTTSubscriptionTableTests {
    @Test("options survive the round trip through binding arguments; plain ones write only the QoS")
    func arguments() {
        let o = MQTTSubscriptionOptions(qos: 1, noLocal: true, retainAsPublished: true, identifier: 42)
        #expect(MQTTSubscriptionOptions(arguments: o.arguments) == o)
        let plain = MQTTSubscriptionOptions(qos: 2)
        #expect(plain.isPlain)
        #expect(plain.arguments.entries.count == 1)
        #expect(MQTTSubscriptionOptions(arguments: plain.arguments) == plain)
    }

    @Test("a delivery carries the identifiers of every matching subscription, ascending, and RAP if one has it")
    func delivery() {
        var t = MQTTSubscriptionTable()
        t.set("a/#", .init(qos: 0, identifier: 7))
        t.set("a/+", .init(qos: 1, identifier: 3))
        t.set("a/b", .init(qos: 1, retainAsPublished: true))
        t.set("x", .init(qos: 0, identifier: 9))
        #expect(t.hasDeliveryOptions)
        let d = t.delivery(topic: "a/b")
        #expect(d.identifiers == [3, 7])
        #expect(d.retainAsPublished)
        #expect(t.delivery(topic: "a/c").retainAsPublished == false)
        t.remove("a/#")
        t.remove("a/+")
        t.remove("a/b")
        t.set("x", .init(qos: 0))
        #expect(!t.hasDeliveryOptions)
    }

    @Test("an own publish is kept out only when every matching subscription is no local")
    func noLocal() {
        var t = MQTTSubscriptionTable()
        t.set("chat/#", .init(qos: 0, noLocal: true))
        #expect(t.excludesOwnPublish(topic: "chat/room"))
        #expect(!t.excludesOwnPublish(topic: "other"))
        t.set("chat/room", .init(qos: 1))
        #expect(!t.excludesOwnPublish(topic: "chat/room"))
        #expect(t.excludesOwnPublish(topic: "chat/hall"))
        t.set("chat/#", .init(qos: 0))
        #expect(!t.excludesOwnPublish(topic: "chat/hall"))
    }
}
