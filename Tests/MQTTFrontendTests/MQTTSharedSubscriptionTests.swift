import Testing

@testable import MQTTFrontend

@Suite("Shared subscription names")
struct MQTTSharedSubscriptionTests {
    @Test("$share/{group}/{filter} names a group queue; other filters are ordinary")
    func parse() {
        #expect(MQTTSharedSubscription.parse("a/b") == .ordinary)
        #expect(MQTTSharedSubscription.parse("$SYS/x") == .ordinary)
        guard case .shared(let s) = MQTTSharedSubscription.parse("$share/workers/jobs/#") else {
            Issue.record("not parsed as shared")
            return
        }
        #expect(s.filter == "jobs/#")
        #expect(s.queueName == "mqtt.$share/workers/jobs/#")
        #expect(s.fitsQueueName)
    }

    @Test("an empty share name, a wildcard in it, or no filter after it is refused, citing the clause")
    func invalid() {
        for raw in ["$share//t", "$share/a+b/t", "$share/#/t", "$share/g", "$share/g/a/#/b"] {
            guard case .invalid(let why) = MQTTSharedSubscription.parse(.init(raw)) else {
                Issue.record("\(raw) accepted")
                continue
            }
            #expect(why.hasPrefix("[MQTT-4.8.2-"))
        }
    }

    @Test("a client id that would name a shared subscription queue is reserved")
    func reservedClientIds() {
        #expect(MQTTSharedSubscription.isReserved(clientId: "$share/g/t"))
        #expect(!MQTTSharedSubscription.isReserved(clientId: "sensor-1"))
    }
}
