import Locks
import Synchronization
import Testing

@testable import AMQPModel

@Suite("Queue: credit returned brings back what waited for it, and only that asks the queue")
struct QueueCreditReturnTests {
    /// Acknowledges `count` deliveries of `c` as a frontend does: credit back, queue told, then `creditReturned`.
    private static func settle(_ count: Int, of c: TestSubscription) {
        c.handle.releaseCredit(count)
        c.handle.queue.acknowledged(count: count)
        c.handle.creditReturned()
    }

    @Test("a message kept back for want of credit is handed out by creditReturned after the credit comes back")
    func keptBackMessageIsOffered() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 1)
        try q.addConsumer(c.handle)
        f.publish("m0", key: "q")
        f.publish("m1", key: "q")
        #expect(c.takeBodies() == ["m0"])
        #expect(q.messageCount == 1, "m1 waits for credit")
        Self.settle(1, of: c)
        #expect(c.takeBodies() == ["m1"])
        #expect(q.messageCount == 0)
    }

    @Test("creditReturned with nothing kept back hands out nothing, and a later starvation is still seen")
    func nothingKeptBack() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 1)
        try q.addConsumer(c.handle)
        f.publish("m0", key: "q")
        #expect(c.takeBodies() == ["m0"])
        Self.settle(1, of: c)
        #expect(c.take().isEmpty)
        f.publish("m1", key: "q")
        f.publish("m2", key: "q")
        #expect(c.takeBodies() == ["m1"])
        Self.settle(1, of: c)
        #expect(c.takeBodies() == ["m2"])
    }

    @Test("a publisher thread and a consumer thread returning credit as fast as they can: nothing is stranded")
    func concurrentReturnStrandsNothing() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 1)
        try q.addConsumer(c.handle)
        let total = 50_000
        let received = Atomic<Int>(0)
        let messages = (0..<total).map { message("m\($0)", key: "q") }
        let publishing = try NamedThread(name: "test-publisher") {
            for m in messages { _ = q.enqueue(m) }
        }
        defer { publishing.join() }
        var idleSince = ContinuousClock.now
        while received.load(ordering: .relaxed) < total {
            let batch = c.take()
            if batch.isEmpty {
                // Nothing assigned and nothing will be unless credit was lost: fail after a generous deadline.
                if ContinuousClock.now - idleSince > .seconds(10) { break }
                continue
            }
            idleSince = ContinuousClock.now
            received.add(batch.count, ordering: .relaxed)
            Self.settle(batch.count, of: c)
        }
        #expect(received.load(ordering: .relaxed) == total, "messages left waiting: \(q.messageCount)")
    }
}
