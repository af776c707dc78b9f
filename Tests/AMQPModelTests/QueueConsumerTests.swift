import Testing

@testable import AMQPModel

@Suite("Queue: consumers, prefetch credit, requeue, auto-delete")
struct QueueConsumerTests {
    @Test("messages are handed round-robin to two consumers with credit")
    func roundRobin() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c1 = TestSubscription(q, tag: "c1", prefetch: 10)
        let c2 = TestSubscription(q, tag: "c2", prefetch: 10)
        try q.addConsumer(c1.handle)
        try q.addConsumer(c2.handle)
        for i in 0..<6 { f.publish("m\(i)", key: "q") }
        #expect(c1.takeBodies() == ["m0", "m2", "m4"])
        #expect(c2.takeBodies() == ["m1", "m3", "m5"])
        #expect(q.messageCount == 0)
        #expect(q.unackedCount == 6)
        #expect(c1.consumer.pendingAvailableCount == 1, "one notification per batch, not per message")
        #expect(c2.consumer.pendingAvailableCount == 1)
    }

    @Test("ready messages are handed out when consumers subscribe")
    func readyOnSubscribe() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        for i in 0..<3 { f.publish("m\(i)", key: "q") }
        let c = TestSubscription(q, tag: "c")
        try q.addConsumer(c.handle)
        #expect(c.consumer.pendingAvailableCount == 1)
        #expect(c.takeBodies() == ["m0", "m1", "m2"])
    }

    @Test("prefetch 2: only two messages assigned until credit is released and creditAvailable is called")
    func prefetchCredit() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 2)
        try q.addConsumer(c.handle)
        for i in 0..<5 { f.publish("m\(i)", key: "q") }
        #expect(c.takeBodies() == ["m0", "m1"])
        #expect(q.messageCount == 3)
        q.creditAvailable()
        #expect(c.take().isEmpty, "no credit, nothing more assigned")
        c.handle.releaseCredit(1)
        q.acknowledged(count: 1)
        q.creditAvailable()
        #expect(c.takeBodies() == ["m2"])
        c.handle.releaseCredit(2)
        q.acknowledged(count: 2)
        q.creditAvailable()
        #expect(c.takeBodies() == ["m3", "m4"])
        #expect(q.messageCount == 0)
    }

    @Test("a channel-wide credit (basic.qos global) limits all consumers of the channel together")
    func channelCredit() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let shared = PrefetchCredit(limit: 3)
        let keep1 = RecordingConsumer()
        let keep2 = RecordingConsumer()
        let h1 = ConsumerHandle(
            tag: "a", queue: q, noAck: false, exclusive: false, prefetch: 0,
            channelCredit: shared, channelID: 1, consumer: keep1)
        let h2 = ConsumerHandle(
            tag: "b", queue: q, noAck: false, exclusive: false, prefetch: 0,
            channelCredit: shared, channelID: 1, consumer: keep2)
        try q.addConsumer(h1)
        try q.addConsumer(h2)
        withExtendedLifetime((keep1, keep2)) {
            for i in 0..<5 { f.publish("m\(i)", key: "q") }
        }
        #expect(q.messageCount == 2)
        #expect(q.unackedCount == 3)
    }

    @Test("unackedCount counts a message assigned to an ack-mode consumer once, before and after it is taken")
    func unackedCountNotDoubled() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 10)
        try q.addConsumer(c.handle)
        f.publish("a", key: "q")
        f.publish("b", key: "q")
        #expect(q.unackedCount == 2, "assigned, not yet written")
        #expect(c.take().count == 2)
        #expect(q.unackedCount == 2, "written, not yet acked")
        q.acknowledged(count: 2)
        #expect(q.unackedCount == 0)
    }

    @Test("no-ack consumers: assigned messages count until written, then are settled")
    func noAckCounting() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", noAck: true)
        try q.addConsumer(c.handle)
        f.publish("a", key: "q")
        #expect(q.unackedCount == 1)
        #expect(c.takeBodies() == ["a"])
        #expect(q.unackedCount == 0)
    }

    @Test("requeue puts messages back at the front in their original order, flagged redelivered")
    func requeueOrder() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 3)
        try q.addConsumer(c.handle)
        for i in 0..<5 { f.publish("m\(i)", key: "q") }
        let delivered = c.take()
        #expect(delivered.map(\.message.bodyString) == ["m0", "m1", "m2"])
        #expect(delivered.allSatisfy { !$0.redelivered })
        q.removeConsumer(c.handle)
        // Settled out of order (nack of m2, then m0 and m1): the queue restores publish order.
        q.requeue([delivered[2]])
        q.requeue([delivered[1], delivered[0]])
        let ready = q.peek(limit: 10)
        #expect(ready.map(\.message.bodyString) == ["m0", "m1", "m2", "m3", "m4"])
        #expect(ready.map(\.redelivered) == [true, true, true, false, false])
        #expect(q.unackedCount == 0)
    }

    @Test("messages returned in increasing batches (nack 0-1, then 2-3) still come back in publish order")
    func requeueInIncreasingBatches() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 4)
        try q.addConsumer(c.handle)
        for i in 0..<6 { f.publish("m\(i)", key: "q") }
        let delivered = c.take()
        #expect(delivered.map(\.message.bodyString) == ["m0", "m1", "m2", "m3"])
        q.removeConsumer(c.handle)
        q.requeue([delivered[0], delivered[1]])
        q.requeue([delivered[2], delivered[3]])
        #expect(q.peek(limit: 10).map(\.message.bodyString) == ["m0", "m1", "m2", "m3", "m4", "m5"])
        #expect(q.messageBytes == 12)
    }

    @Test("a requeued message goes to a consumer with credit again, flagged redelivered")
    func requeueRedelivers() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c = TestSubscription(q, tag: "c", prefetch: 1)
        try q.addConsumer(c.handle)
        f.publish("a", key: "q")
        f.publish("b", key: "q")
        let first = c.take()
        #expect(first.map(\.message.bodyString) == ["a"])
        c.handle.releaseCredit(1)
        q.requeue(first)
        let again = c.take()
        #expect(again.map(\.message.bodyString) == ["a"])
        #expect(again.first?.redelivered == true)
        #expect(q.messageCount == 1)
    }

    @Test("removeConsumer returns its assigned-but-untaken messages to the front of the queue, not redelivered")
    func removeConsumerReturnsPending() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c1 = TestSubscription(q, tag: "c1", prefetch: 2)
        try q.addConsumer(c1.handle)
        for i in 0..<4 { f.publish("m\(i)", key: "q") }
        #expect(q.messageCount == 2)
        q.removeConsumer(c1.handle)
        #expect(q.consumerCount == 0)
        #expect(q.unackedCount == 0)
        let ready = q.peek(limit: 10)
        #expect(ready.map(\.message.bodyString) == ["m0", "m1", "m2", "m3"])
        #expect(ready.allSatisfy { !$0.redelivered })
        var batch: [QueueEntry] = []
        q.takePending(for: c1.handle, into: &batch)
        #expect(batch.isEmpty)
    }

    @Test("removing one consumer hands its pending messages to the remaining one")
    func removeConsumerRefills() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let c1 = TestSubscription(q, tag: "c1", prefetch: 10)
        let c2 = TestSubscription(q, tag: "c2", prefetch: 10)
        try q.addConsumer(c1.handle)
        try q.addConsumer(c2.handle)
        for i in 0..<4 { f.publish("m\(i)", key: "q") }
        #expect(c2.takeBodies() == ["m1", "m3"])
        q.removeConsumer(c1.handle)
        #expect(c2.takeBodies() == ["m0", "m2"])
    }

    @Test("an exclusive consumer locks out others (403), and cannot join a queue that has consumers")
    func exclusiveConsumer() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let ex = TestSubscription(q, tag: "ex", exclusive: true)
        try q.addConsumer(ex.handle)
        let other = TestSubscription(q, tag: "other")
        #expect(throws: BrokerError.self) { try q.addConsumer(other.handle) }
        q.removeConsumer(ex.handle)
        try q.addConsumer(other.handle)
        let ex2 = TestSubscription(q, tag: "ex2", exclusive: true)
        do {
            try q.addConsumer(ex2.handle)
            Issue.record("exclusive consumer joined a queue with consumers")
        } catch {
            #expect(error.kind == .accessRefused)
        }
    }

    @Test("an auto-delete queue is deleted when its last consumer is removed, not before")
    func autoDeleteQueue() throws {
        let f = CoreFixture()
        let q = try f.queue("ad", autoDelete: true)
        try f.vhost.bind(.queue(q), to: "amq.direct", key: "ad", arguments: [:])
        let c1 = TestSubscription(q, tag: "c1")
        let c2 = TestSubscription(q, tag: "c2")
        try q.addConsumer(c1.handle)
        try q.addConsumer(c2.handle)
        q.removeConsumer(c1.handle)
        #expect(f.vhost.queue(named: "ad") === q)
        q.removeConsumer(c2.handle)
        #expect(f.vhost.queue(named: "ad") == nil)
        #expect(q.isDeleted)
        #expect(f.vhost.exchange(named: "amq.direct")?.bindingCount == 0)
    }

    @Test("an auto-delete queue that never had a consumer stays")
    func autoDeleteNeverConsumed() throws {
        let f = CoreFixture()
        let q = try f.queue("ad", autoDelete: true)
        f.publish("m", key: "ad")
        _ = q.get(noAck: true)
        #expect(f.vhost.queue(named: "ad") === q)
    }

    @Test("basic.get takes the oldest message and reports the remaining count")
    func get() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        f.publish("a", key: "q")
        f.publish("b", key: "q")
        let first = try #require(q.get(noAck: false))
        #expect(first.entry.message.bodyString == "a")
        #expect(first.remaining == 1)
        #expect(q.unackedCount == 1)
        q.acknowledged(count: 1)
        #expect(q.get(noAck: true)?.remaining == 0)
        #expect(q.get(noAck: true) == nil)
    }
}
