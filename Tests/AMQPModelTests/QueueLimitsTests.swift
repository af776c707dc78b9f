import AMQPValues
import Clocks
import Testing

@testable import AMQPModel

@Suite("Queue limits: dead-lettering, TTL, per-message expiration, max-length, x-expires")
struct QueueLimitsTests {
    /// A vhost with a fanout DLX "dlx" feeding queue "dlq".
    private func withDeadLetterQueue() throws -> (CoreFixture, Queue) {
        let f = CoreFixture()
        try f.exchange("dlx", "fanout")
        let dlq = try f.queue("dlq")
        try f.vhost.bind(.queue(dlq), to: "dlx", key: "", arguments: [:])
        return (f, dlq)
    }

    /// The first (most recent) `x-death` entry of `m`.
    private func latestDeath(_ m: Message) throws -> FieldTable {
        let headers = try #require(m.properties.headers)
        guard case .array(let deaths)? = headers["x-death"], case .table(let t)? = deaths.first else {
            Issue.record("no x-death in \(headers)")
            return FieldTable()
        }
        return t
    }

    @Test("reject without requeue dead-letters with x-death (count, reason, queue, exchange, routing-keys) and x-first-death-*")
    func rejectDeadLetters() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue("work", arguments: ["x-dead-letter-exchange": .string("dlx")])
        try f.vhost.bind(.queue(q), to: "amq.direct", key: "jobs", arguments: [:])
        var p = BasicProperties()
        p.contentType = "text/plain"
        p.headers = ["app": .string("keep")]
        f.publish("job", to: "amq.direct", key: "jobs", properties: p)
        let got = try #require(q.get(noAck: false))
        q.rejected([got.entry])
        #expect(q.unackedCount == 0)

        let dead = try #require(dlq.get(noAck: true)).entry.message
        #expect(dead.bodyString == "job")
        #expect(dead.exchange == "dlx")
        #expect(dead.routingKey == "jobs", "no x-dead-letter-routing-key: the original key is kept")
        #expect(dead.properties.contentType == "text/plain")
        #expect(dead.properties.headers?["app"] == .string("keep"))
        let death = try latestDeath(dead)
        #expect(death["count"]?.intValue == 1)
        #expect(death["reason"]?.text == "rejected")
        #expect(death["queue"]?.text == "work")
        #expect(death["exchange"]?.text == "amq.direct")
        #expect(death["routing-keys"] == .array([.string("jobs")]))
        if case .timestamp = death["time"] {} else { Issue.record("x-death time is not a timestamp") }
        let headers = try #require(dead.properties.headers)
        #expect(headers["x-first-death-queue"]?.text == "work")
        #expect(headers["x-first-death-reason"]?.text == "rejected")
        #expect(headers["x-first-death-exchange"]?.text == "amq.direct")
    }

    @Test("x-dead-letter-routing-key replaces the routing key; dying twice in one queue counts 2")
    func deadLetterTwice() throws {
        let f = CoreFixture()
        try f.exchange("dlx", "direct")
        let q = try f.queue(
            "work", arguments: ["x-dead-letter-exchange": .string("dlx"), "x-dead-letter-routing-key": .string("back")])
        // The dead letter comes straight back to "work".
        try f.vhost.bind(.queue(q), to: "dlx", key: "back", arguments: [:])
        f.publish("m", key: "work")
        q.rejected([try #require(q.get(noAck: false)).entry])
        let once = try #require(q.get(noAck: false)).entry
        #expect(once.message.routingKey == "back")
        q.rejected([once])
        let twice = try #require(q.get(noAck: false)).entry.message
        let deaths = twice.properties.headers?["x-death"]
        guard case .array(let list)? = deaths else {
            Issue.record("no x-death")
            return
        }
        #expect(list.count == 1, "one entry per (queue, reason)")
        #expect(try latestDeath(twice)["count"]?.intValue == 2)
        #expect(twice.properties.headers?["x-first-death-exchange"]?.text == "")
    }

    @Test("reject without a DLX drops the message")
    func rejectWithoutDLX() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        f.publish("m", key: "q")
        q.rejected([try #require(q.get(noAck: false)).entry])
        #expect(q.messageCount == 0)
        #expect(q.unackedCount == 0)
    }

    @Test("x-message-ttl: an unconsumed message expires and is dead-lettered with reason expired")
    func queueTTL() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue("q", arguments: ["x-message-ttl": .int32(5), "x-dead-letter-exchange": .string("dlx")])
        f.publish("old", key: "q")
        #expect(q.messageCount == 1)
        #expect(f.scheduler.scheduledCount >= 1, "an expiry timer was armed")
        #expect(waitUntil(firing: f.scheduler) { dlq.messageCount == 1 })
        #expect(q.messageCount == 0)
        let dead = try #require(dlq.get(noAck: true)).entry.message
        #expect(dead.bodyString == "old")
        #expect(try latestDeath(dead)["reason"]?.text == "expired")
        #expect(dead.properties.headers?["x-first-death-reason"]?.text == "expired")
    }

    @Test("x-message-ttl: a message past its TTL is not returned by basic.get, even before the timer fires")
    func expiredNotDelivered() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue("q", arguments: ["x-message-ttl": .int32(1), "x-dead-letter-exchange": .string("dlx")])
        f.publish("old", key: "q")
        let start = MonotonicClock.milliseconds()
        #expect(waitUntil { MonotonicClock.milliseconds() > start + 2 })
        #expect(q.get(noAck: true) == nil)
        #expect(dlq.messageCount == 1)
    }

    @Test("x-message-ttl 0: delivered when a consumer can take it at once, otherwise expired")
    func ttlZero() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue("q", arguments: ["x-message-ttl": .int32(0), "x-dead-letter-exchange": .string("dlx")])
        let c = TestSubscription(q, tag: "c", prefetch: 1)
        try q.addConsumer(c.handle)
        f.publish("taken", key: "q")
        f.publish("expires", key: "q")
        #expect(c.takeBodies() == ["taken"])
        #expect(waitUntil(firing: f.scheduler) { dlq.messageCount == 1 })
        #expect(q.messageCount == 0)
    }

    @Test("per-message expiration dead-letters with reason expired and original-expiration; the copy has none")
    func perMessageExpiration() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue("q", arguments: ["x-dead-letter-exchange": .string("dlx")])
        f.publish("short", key: "q", properties: properties(expiration: "5"))
        f.publish("forever", key: "q")
        #expect(waitUntil(firing: f.scheduler) { dlq.messageCount == 1 })
        let dead = try #require(dlq.get(noAck: true)).entry.message
        #expect(dead.bodyString == "short")
        #expect(dead.properties.expiration == nil)
        let death = try latestDeath(dead)
        #expect(death["reason"]?.text == "expired")
        #expect(death["original-expiration"]?.text == "5")
        #expect(f.bodies(of: q) == ["forever"])
    }

    @Test("per-message expiration shorter than x-message-ttl wins")
    func expirationBelowQueueTTL() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue("q", arguments: ["x-message-ttl": .int32(60_000), "x-dead-letter-exchange": .string("dlx")])
        f.publish("short", key: "q", properties: properties(expiration: "3"))
        #expect(waitUntil(firing: f.scheduler) { dlq.messageCount == 1 })
        #expect(q.messageCount == 0)
    }

    @Test("an expiring message behind a non-expiring head is dead-lettered once the head is consumed")
    func expiryAfterHeadConsumed() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue("q", arguments: ["x-dead-letter-exchange": .string("dlx")])
        f.publish("head", key: "q")
        f.publish("short", key: "q", properties: properties(expiration: "2"))
        let start = MonotonicClock.milliseconds()
        #expect(waitUntil { MonotonicClock.milliseconds() > start + 3 })
        f.scheduler.fireDue()
        #expect(dlq.messageCount == 0, "RabbitMQ expires at the head only")
        #expect(q.get(noAck: true)?.entry.message.bodyString == "head")
        #expect(waitUntil(timeoutMs: 500, firing: f.scheduler) { dlq.messageCount == 1 })
        #expect(q.messageCount == 0)
    }

    @Test("x-max-length with drop-head drops the oldest and dead-letters it with reason maxlen")
    func maxLengthDropHead() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue("q", arguments: ["x-max-length": .int32(2), "x-dead-letter-exchange": .string("dlx")])
        for i in 0..<4 { #expect(f.publish("m\(i)", key: "q").enqueued == 1) }
        #expect(q.messageCount == 2)
        #expect(f.bodies(of: q) == ["m2", "m3"])
        let dead = f.bodies(of: dlq)
        #expect(dead == ["m0", "m1"])
        f.publish("again", key: "q")
        _ = q.purge()
        for i in 0..<3 { f.publish("n\(i)", key: "q") }
        let m = try #require(dlq.get(noAck: true)).entry.message
        #expect(try latestDeath(m)["reason"]?.text == "maxlen")
    }

    @Test("x-max-length 0 with drop-head keeps nothing ready")
    func maxLengthZero() throws {
        let f = CoreFixture()
        let q = try f.queue("q", arguments: ["x-max-length": .int32(0)])
        f.publish("m", key: "q")
        #expect(q.messageCount == 0)
    }

    @Test("x-overflow reject-publish refuses the new message; VHost.publish reports it rejected")
    func rejectPublish() throws {
        let (f, dlq) = try withDeadLetterQueue()
        let q = try f.queue(
            "q",
            arguments: [
                "x-max-length": .int32(2), "x-overflow": .string("reject-publish"),
                "x-dead-letter-exchange": .string("dlx"),
            ])
        let other = try f.queue("other")
        try f.vhost.bind(.queue(q), to: "amq.fanout", key: "", arguments: [:])
        try f.vhost.bind(.queue(other), to: "amq.fanout", key: "", arguments: [:])
        #expect(f.publish("a", to: "amq.fanout", key: "").enqueued == 2)
        #expect(f.publish("b", to: "amq.fanout", key: "").enqueued == 2)
        let third = f.publish("c", to: "amq.fanout", key: "")
        #expect(third.enqueued == 1)
        #expect(third.rejected == 1)
        #expect(q.enqueue(message("direct")) == .rejected)
        #expect(f.bodies(of: q) == ["a", "b"])
        #expect(f.bodies(of: other) == ["a", "b", "c"])
        #expect(dlq.messageCount == 0, "reject-publish does not dead-letter")
    }

    @Test("x-max-length-bytes counts body bytes: drop-head drops until under, reject-publish refuses")
    func maxLengthBytes() throws {
        let f = CoreFixture()
        let drop = try f.queue("drop", arguments: ["x-max-length-bytes": .int32(10)])
        f.publish("aaaa", key: "drop")
        f.publish("bbbb", key: "drop")
        #expect(drop.messageBytes == 8)
        f.publish("cccc", key: "drop")
        #expect(drop.messageCount == 2)
        #expect(drop.messageBytes == 8)
        #expect(f.bodies(of: drop) == ["bbbb", "cccc"])

        let reject = try f.queue(
            "reject", arguments: ["x-max-length-bytes": .int32(10), "x-overflow": .string("reject-publish")])
        #expect(f.publish("aaaaaa", key: "reject").enqueued == 1)
        #expect(f.publish("bbbbbb", key: "reject").rejected == 1)
        #expect(f.publish("cccc", key: "reject").enqueued == 1)
        #expect(reject.messageBytes == 10)
    }

    @Test("x-expires deletes a queue left unused, with its bindings")
    func queueExpires() throws {
        let f = CoreFixture()
        let q = try f.queue("temp", arguments: ["x-expires": .int32(5)])
        try f.vhost.bind(.queue(q), to: "amq.fanout", key: "", arguments: [:])
        #expect(f.scheduler.scheduledCount >= 1)
        #expect(waitUntil(firing: f.scheduler) { f.vhost.queue(named: "temp") == nil })
        #expect(q.isDeleted)
        #expect(f.vhost.exchange(named: "amq.fanout")?.bindingCount == 0)
    }

    @Test("x-expires does not delete a queue that has a consumer; it runs again once the consumer leaves")
    func queueExpiresWithConsumer() throws {
        let f = CoreFixture()
        let q = try f.queue("temp", arguments: ["x-expires": .int32(5)])
        let c = TestSubscription(q, tag: "c")
        try q.addConsumer(c.handle)
        let start = MonotonicClock.milliseconds()
        #expect(waitUntil { MonotonicClock.milliseconds() > start + 6 })
        f.scheduler.fireAll()
        #expect(f.vhost.queue(named: "temp") === q)
        q.removeConsumer(c.handle)
        #expect(waitUntil(firing: f.scheduler) { f.vhost.queue(named: "temp") == nil })
    }

    @Test("setExpires gives an unused queue a lifetime, or takes it away, without changing its arguments")
    func setExpires() throws {
        let f = CoreFixture()
        let kept = try f.queue("kept", arguments: ["x-expires": .int32(5)])
        kept.setExpires(nil)
        let q = try f.queue("session")
        q.setExpires(5)
        #expect(q.arguments.isEmpty && q.limits.expires == 5)
        #expect(waitUntil(firing: f.scheduler) { f.vhost.queue(named: "session") == nil })
        f.scheduler.fireAll()
        #expect(f.vhost.queue(named: "kept") === kept)
    }

    @Test("redeclaring a queue postpones x-expires")
    func redeclareTouches() throws {
        let f = CoreFixture()
        let q = try f.queue("temp", arguments: ["x-expires": .int32(50)])
        let start = MonotonicClock.milliseconds()
        #expect(waitUntil { MonotonicClock.milliseconds() > start + 30 })
        try f.queue("temp", arguments: ["x-expires": .int32(50)])
        // The first check (due 50 ms after the declare) finds the queue used 20-odd ms ago and re-arms.
        #expect(waitUntil { MonotonicClock.milliseconds() > start + 55 })
        f.scheduler.fireDue()
        #expect(f.vhost.queue(named: "temp") === q)
        #expect(waitUntil(firing: f.scheduler) { f.vhost.queue(named: "temp") == nil })
    }

    @Test("polling an empty x-expires queue keeps one expiry check armed, not one per basic.get")
    func expiresTimerNotPerGet() throws {
        let f = CoreFixture()
        let q = try f.queue("polled", arguments: ["x-expires": .int32(60_000)])
        for _ in 0..<100 { _ = q.get(noAck: true) }
        for _ in 0..<10 { try f.queue("polled", arguments: ["x-expires": .int32(60_000)]) }
        #expect(f.scheduler.scheduledCount == 1)
    }
}
