import AMQPValues
import Testing

@testable import AMQPModel

@Suite("Queue message counters")
struct QueueStatsTests {
    @Test("publishes, deliveries, redeliveries, acks and drops are counted where they happen")
    func counters() throws {
        let f = CoreFixture()
        let q = try f.queue("counted", arguments: ["x-max-length": .int32(3)])
        for i in 0..<5 { _ = f.publish("m\(i)", key: "counted") }
        var s = q.stats
        #expect((s.published, s.dropped) == (5, 2))
        let first = try #require(q.get(noAck: false)).entry
        let second = try #require(q.get(noAck: false)).entry
        q.acknowledged([first])
        q.requeue([second])
        _ = try #require(q.get(noAck: true))
        s = q.stats
        #expect((s.delivered, s.redelivered, s.acknowledged) == (3, 1, 1))
        let third = try #require(q.get(noAck: false)).entry
        q.rejected([third])
        #expect(q.stats.dropped == 3)
        let total = q.stats + q.stats
        #expect(total.published == 10)
    }
}
