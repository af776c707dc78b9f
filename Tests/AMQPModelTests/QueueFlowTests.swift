import Testing

@testable import AMQPModel

@Suite("Publisher flow control: overloaded queues and the per-connection throttle")
struct QueueFlowTests {
    /// Publishes `count` messages into `q` through the vhost; returns the last publish's result.
    @discardableResult
    static func fill(_ f: CoreFixture, _ q: Queue, count: Int) -> VHost.PublishResult {
        var last = VHost.PublishResult()
        for _ in 0..<count { last = f.publish("x", key: q.name) }
        return last
    }

    @Test("a queue whose consumer does not keep up becomes overloaded at the high mark, and publishes report it")
    func overloadedWithSlowConsumer() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 1)
        try q.addConsumer(c.handle)
        let below = Self.fill(f, q, count: QueueFlow.highMessages)
        #expect(below.overloaded == nil && !q.isOverloaded, "one message is with the consumer, the rest just below")
        let at = Self.fill(f, q, count: 1)
        #expect(at.overloaded === q)
        #expect(q.recheckOverload())
    }

    @Test("a queue without consumers is storage: it never throttles publishers")
    func noConsumersNoThrottle() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let result = Self.fill(f, q, count: QueueFlow.highMessages + 10)
        #expect(result.overloaded == nil && !q.isOverloaded)
        #expect(q.messageCount == QueueFlow.highMessages + 10)
    }

    @Test("the overload clears at half the high mark, or when the last consumer leaves")
    func hysteresis() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 1)
        try q.addConsumer(c.handle)
        Self.fill(f, q, count: QueueFlow.highMessages + 1)
        #expect(q.isOverloaded)
        _ = f.bodies(of: q, limit: QueueFlow.highMessages / 2 - 10)
        #expect(q.recheckOverload(), "still above half the mark")
        _ = f.bodies(of: q, limit: 20)
        #expect(!q.recheckOverload() && !q.isOverloaded)

        Self.fill(f, q, count: QueueFlow.highMessages)
        #expect(q.isOverloaded)
        q.removeConsumer(c.handle)
        #expect(!q.recheckOverload(), "without consumers the backlog is storage")
    }

    @Test("a throttle waits for every overloaded queue it published into, and never longer than the maximum pause")
    func throttle() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 1)
        try q.addConsumer(c.handle)
        Self.fill(f, q, count: QueueFlow.highMessages + 1)

        var throttle = PublisherThrottle()
        let started = throttle.engage(q, now: 100)
        let again = throttle.engage(q, now: 200)
        #expect(started && !again, "one pause per queue")
        #expect(throttle.isWaiting(on: q))
        let early = throttle.shouldResume(now: 300)
        let late = throttle.shouldResume(now: 100 + PublisherThrottle.maximumPause)
        #expect(!early && late)
        #expect(!throttle.isEngaged)

        let restarted = throttle.engage(q, now: 0)
        _ = q.purge()
        let drained = throttle.shouldResume(now: 1)
        #expect(restarted && drained, "the queue drained")
    }
}
