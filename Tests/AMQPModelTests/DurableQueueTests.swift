import AMQPValues
import Bytes
import Clocks
import Foundation
import Locks
import Storage
import Testing

@testable import AMQPModel

/// A minimal record format for the core tests (the real one lives in AMQPWire): routing key, delivery mode, body.
struct TestCodec: MessageCodec {
    func encode(_ message: Message, into buffer: inout ByteBuffer) {
        buffer.writeUInt8(UInt8(message.routingKey.count))
        buffer.writeBytes(message.routingKey.bytes)
        buffer.writeUInt8(message.properties.deliveryMode ?? 1)
        buffer.writeBytes(message.body)
    }

    func decode(_ record: inout ByteBuffer) -> Message? {
        guard let n = record.readUInt8(), let key = record.readBytes(Int(n)), let mode = record.readUInt8() else {
            return nil
        }
        var p = BasicProperties()
        p.deliveryMode = mode
        return Message(exchange: "", routingKey: ByteString(key), properties: p, body: record.readBytes(record.readableBytes) ?? [],
            alarm: testAlarm)
    }
}

@Suite("Durable queues: records, group commit, recovery")
struct DurableQueueTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gw-durable-\(UUID().uuidString)").path

    func vhost(_ coordinator: SyncCoordinator) -> VHost {
        VHost(
            name: "/", scheduler: RecordingScheduler(),
            storage: MessageStorage(root: root, segmentSize: 4096, codec: TestCodec(), coordinator: coordinator))
    }

    func persistent(_ body: String, key: ByteString = "dq") -> Message {
        var p = BasicProperties()
        p.deliveryMode = 2
        return Message(exchange: "", routingKey: key, properties: p, body: Array(body.utf8), alarm: testAlarm)
    }

    func waitDurable(_ coordinator: SyncCoordinator, _ generation: UInt64) throws {
        #expect(waitUntil(timeoutMs: 5_000) { coordinator.outcome(generation) != nil })
        #expect(coordinator.outcome(generation) == true)
    }

    @Test("persistent messages in a durable queue survive a reopen, in order and flagged redelivered; acked ones do not")
    func recoverAfterReopen() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let v1 = vhost(c1)
        let q1 = try v1.declareQueue(
            name: "dq", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        var generation: UInt64 = 0
        for i in 0..<300 {
            let r = v1.publish(persistent("m\(i)"), directlyTo: q1)
            #expect(r.enqueued == 1)
            generation = max(generation, r.syncGeneration)
        }
        var transient = BasicProperties()
        transient.deliveryMode = 1
        _ = v1.publish(Message(exchange: "", routingKey: "dq", properties: transient, body: [1], alarm: testAlarm), directlyTo: q1)
        #expect(generation > 0, "a persistent message in a durable queue waits for a sync")
        let (first, _) = try #require(q1.get(noAck: false))
        q1.acknowledged([first])
        let done = c1.markDirty(q1)
        try waitDurable(c1, max(generation, done))
        c1.shutdown()

        let c2 = SyncCoordinator(syncEnabled: true)
        defer { c2.shutdown() }
        let q2 = try vhost(c2).declareQueue(
            name: "dq", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        #expect(q2.messageCount == 299, "the acked message and the non-persistent one are gone")
        let entries = q2.peek(limit: 1_000)
        #expect(entries.map { String(decoding: $0.message.body, as: UTF8.self) } == (1..<300).map { "m\($0)" })
        #expect(entries.allSatisfy { $0.redelivered })
    }

    @Test("a recovered entry keeps its subscription QoS, and its expiry counts the time the broker was down")
    func entryFieldsSurviveReopen() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let v1 = vhost(c1)
        let q1 = try v1.declareQueue(
            name: "dq", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        var qos2 = BasicProperties()
        qos2.deliveryMode = 2
        qos2.headers = ["x-mqtt-publish-qos": .int8(2)]
        _ = q1.enqueue(Message(exchange: "", routingKey: "dq", properties: qos2, body: [1], alarm: testAlarm), qos: 1)
        var shortLived = persistent("short")
        shortLived = Message(
            exchange: "", routingKey: "dq",
            properties: { var p = shortLived.properties; p.expiration = "200"; return p }(), body: [2], alarm: testAlarm)
        _ = q1.enqueue(shortLived)
        var longLived = shortLived.properties
        longLived.expiration = "600000"
        _ = q1.enqueue(Message(exchange: "", routingKey: "dq", properties: longLived, body: [3], alarm: testAlarm))
        try waitDurable(c1, c1.markDirty(q1))
        c1.shutdown()
        let start = MonotonicClock.milliseconds()
        #expect(waitUntil { MonotonicClock.milliseconds() > start + 300 })

        let c2 = SyncCoordinator(syncEnabled: true)
        defer { c2.shutdown() }
        let q2 = try vhost(c2).declareQueue(
            name: "dq", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        let entries = q2.peek(limit: 10)
        #expect(entries.map(\.message.body) == [[1], [2], [3]])
        #expect(entries.map(\.qos) == [1, 0, 0])
        let now = MonotonicClock.milliseconds()
        #expect(entries[1].expiresAt <= now, "the 200 ms TTL ran out while the broker was down")
        #expect(entries[2].expiresAt > now + 590_000 && entries[2].expiresAt <= now + 600_000)
    }

    @Test("a transient queue and a queue declared without storage write nothing")
    func transientWritesNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c = SyncCoordinator(syncEnabled: true)
        defer { c.shutdown() }
        let v = vhost(c)
        let q = try v.declareQueue(
            name: "tq", durable: false, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        let r = v.publish(persistent("x", key: "tq"), directlyTo: q)
        #expect(r.syncGeneration == 0)
        #expect(!q.keepsRecords)
    }

    @Test("deleting a durable queue removes its records")
    func deleteRemovesRecords() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c = SyncCoordinator(syncEnabled: true)
        defer { c.shutdown() }
        let v = vhost(c)
        let q = try v.declareQueue(
            name: "dq", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        let g = v.publish(persistent("x"), directlyTo: q).syncGeneration
        try waitDurable(c, g)
        let deleted = try v.deleteQueue(name: "dq", ifUnused: false, ifEmpty: false, connection: 1)
        #expect(deleted == 1)
        let left = try FileManager.default.contentsOfDirectory(atPath: root + "/queues")
        #expect(left.isEmpty, "the queue's directory, with its name file, is gone: \(left)")
        let again = try v.declareQueue(
            name: "dq", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        #expect(again.messageCount == 0)
    }

    @Test("with sync off, nothing waits for the disk")
    func syncOffConfirmsAtOnce() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c = SyncCoordinator(syncEnabled: false)
        defer { c.shutdown() }
        let v = vhost(c)
        let q = try v.declareQueue(
            name: "dq", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        #expect(v.publish(persistent("x"), directlyTo: q).syncGeneration == 0)
    }

    /// Declares the dead-letter topology (fanout `dlx` → durable `dead`) and the durable queue `dq` whose
    /// messages expire at once and dead-letter to `dlx`.
    private func declareExpiringTopology(_ v: VHost) throws -> (dq: Queue, dead: Queue) {
        _ = try v.declareExchange(
            name: "dlx", type: "fanout", durable: true, autoDelete: false, isInternal: false, arguments: [:])
        let dead = try v.declareQueue(
            name: "dead", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        try v.bind(.queue(dead), to: "dlx", key: "", arguments: [:])
        let dq = try v.declareQueue(
            name: "dq", durable: true, exclusiveOwner: nil, autoDelete: false,
            arguments: ["x-message-ttl": .int32(0), "x-dead-letter-exchange": .string("dlx")], connection: 1
        ).queue
        return (dq, dead)
    }

    @Test(
        "recovered messages that expire at once dead-letter after recovery finishes, without deadlocking the vhost")
    func expiredAtRecoveryDeadLetters() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let v1 = vhost(c1)
        let (dq1, _) = try declareExpiringTopology(v1)
        var generation: UInt64 = 0
        for i in 0..<200 {
            // No consumer and a scheduler that fires nothing: the messages stay on disk, past their TTL of 0.
            generation = max(generation, v1.publish(persistent("m\(i)"), directlyTo: dq1).syncGeneration)
        }
        #expect(dq1.messageCount == 200)
        try waitDurable(c1, generation)
        c1.shutdown()

        let c2 = SyncCoordinator(syncEnabled: true)
        defer { c2.shutdown() }
        let storage = MessageStorage(root: root, segmentSize: 4096, codec: TestCodec(), coordinator: c2)
        let v2 = VHost(name: "/", scheduler: RecordingScheduler(), storage: storage)
        let declared = Lock<(dq: Queue, dead: Queue)?>(nil)
        let thread = Thread {
            let topology = try? self.declareExpiringTopology(v2)
            declared.withLock { $0 = topology }
        }
        thread.start()
        #expect(
            waitUntil(timeoutMs: 5_000) { declared.withLock { $0 != nil } },
            "restoring a queue whose messages expire at once must not hang on the vhost's registry lock")
        let (dq2, dead2) = try #require(declared.withLock { $0 })
        #expect(dq2.messageCount == 200, "nothing expires before the topology is restored")
        #expect(dead2.messageCount == 0)

        storage.recovery.open()
        #expect(dq2.messageCount == 0)
        #expect(dead2.messageCount == 200, "every expired message reached the dead-letter queue")
        #expect(
            dead2.peek(limit: 1_000).map { String(decoding: $0.message.body, as: UTF8.self) }
                == (0..<200).map { "m\($0)" })
    }

    @Test("a durable queue declared after recovery finished expires its recovered messages at once")
    func expiredAfterRecoveryOpen() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let v1 = vhost(c1)
        let (dq1, _) = try declareExpiringTopology(v1)
        let generation = v1.publish(persistent("late"), directlyTo: dq1).syncGeneration
        try waitDurable(c1, generation)
        c1.shutdown()

        let c2 = SyncCoordinator(syncEnabled: true)
        defer { c2.shutdown() }
        let storage = MessageStorage(root: root, segmentSize: 4096, codec: TestCodec(), coordinator: c2)
        storage.recovery.open()
        let (dq2, dead2) = try declareExpiringTopology(
            VHost(name: "/", scheduler: RecordingScheduler(), storage: storage))
        #expect(dq2.messageCount == 0)
        #expect(dead2.messageCount == 1)
    }

    @Test("concurrent declares and deletes of one durable queue leave one registered queue with a working store")
    func concurrentDeclareDelete() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let v1 = vhost(c1)
        let done = Lock(0)
        for t in 0..<4 {
            Thread {
                for i in 0..<50 {
                    if (i + t) % 3 == 0 {
                        _ = try? v1.deleteQueue(name: "race", ifUnused: false, ifEmpty: false, connection: 1)
                    } else if let q = try? v1.declareQueue(
                        name: "race", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:],
                        connection: 1
                    ).queue {
                        _ = v1.publish(self.persistent("x", key: "race"), directlyTo: q)
                    }
                }
                done.withLock { $0 += 1 }
            }.start()
        }
        #expect(waitUntil(timeoutMs: 20_000) { done.withLock { $0 == 4 } })
        let q = try v1.declareQueue(
            name: "race", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        #expect(v1.queue(named: "race") === q, "one queue is registered under the name")
        let generation = v1.publish(persistent("last", key: "race"), directlyTo: q).syncGeneration
        #expect(generation > 0)
        try waitDurable(c1, generation)
        let count = q.messageCount
        c1.shutdown()

        let c2 = SyncCoordinator(syncEnabled: true)
        defer { c2.shutdown() }
        let again = try vhost(c2).declareQueue(
            name: "race", durable: true, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 1
        ).queue
        #expect(again.messageCount == count, "what the surviving queue held is exactly what its store recovers")
        #expect(again.peek(limit: count).last.map { String(decoding: $0.message.body, as: UTF8.self) } == "last")
    }
}
