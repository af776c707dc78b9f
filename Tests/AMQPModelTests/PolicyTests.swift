import AMQPValues
import Testing

@testable import AMQPModel

@Suite("Policies: matching, priority, arguments first, live changes")
struct PolicyTests {
    private func policy(
        _ name: String, _ pattern: String, priority: Int = 0, applyTo: Policy.ApplyTo = .all, _ definition: FieldTable
    ) -> Policy {
        Policy(name: name, pattern: pattern, applyTo: applyTo, priority: priority, definition: definition)
    }

    @Test("a max-length policy trims a live queue at once (oldest first) and applies to new publishes")
    func liveMaxLength() throws {
        let f = CoreFixture()
        let q = try f.queue("orders")
        for i in 0..<5 { _ = f.publish("m\(i)", key: "orders") }
        try f.vhost.setPolicy(policy("cap", "^ord", ["max-length": .int32(2)]))
        #expect(q.messageCount == 2)
        #expect(q.get(noAck: true)?.entry.message.body == Array("m3".utf8))
        _ = f.publish("m5", key: "orders")
        _ = f.publish("m6", key: "orders")
        #expect(q.messageCount == 2)
        #expect(f.vhost.deletePolicy(named: "cap"))
        for i in 7..<10 { _ = f.publish("m\(i)", key: "orders") }
        #expect(q.messageCount == 5)
    }

    @Test("of the matching policies the highest priority applies; queue arguments win key by key")
    func priorityAndArguments() throws {
        let f = CoreFixture()
        try f.vhost.setPolicy(policy("low", ".*", priority: 0, ["max-length": .int32(10), "message-ttl": .int32(500)]))
        try f.vhost.setPolicy(policy("high", "^a", priority: 5, ["max-length": .int32(3)]))
        let a = try f.queue("alpha")
        let b = try f.queue("beta")
        let own = try f.queue("another", arguments: ["x-max-length": .int32(7)])
        #expect(a.limits.maxLength == 3)
        #expect(a.limits.messageTTL == nil)
        #expect(b.limits.maxLength == 10)
        #expect(b.limits.messageTTL == 500)
        #expect(own.limits.maxLength == 7)
        // Redeclaring with the same arguments is still equivalent: the policy is not part of the declaration.
        _ = try f.queue("another", arguments: ["x-max-length": .int32(7)])
    }

    @Test("exchange-only policies and non-matching patterns leave queues alone")
    func applyTo() throws {
        let f = CoreFixture()
        try f.vhost.setPolicy(policy("ex", ".*", applyTo: .exchanges, ["max-length": .int32(1)]))
        try f.vhost.setPolicy(policy("other", "^zzz$", ["max-length": .int32(1)]))
        #expect(try f.queue("q").limits.maxLength == nil)
    }

    @Test("an invalid pattern, value or empty definition is refused and changes nothing")
    func validation() throws {
        let f = CoreFixture()
        #expect(throws: BrokerError.self) { try f.vhost.setPolicy(self.policy("bad", "(", ["max-length": .int32(1)])) }
        #expect(throws: BrokerError.self) {
            try f.vhost.setPolicy(self.policy("bad", ".*", ["max-length": .longString(Array("x".utf8))]))
        }
        #expect(throws: BrokerError.self) { try f.vhost.setPolicy(self.policy("bad", ".*", [:])) }
        #expect(f.vhost.policies.isEmpty)
        // Keys Gateway does not act on (RabbitMQ's ha-mode) are kept, not refused.
        try f.vhost.setPolicy(policy("ha", ".*", ["ha-mode": .longString(Array("all".utf8))]))
        #expect(f.vhost.policies.map(\.name) == ["ha"])
    }
}
