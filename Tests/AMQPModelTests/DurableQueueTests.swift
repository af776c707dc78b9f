import AMQPValues
import Bytes
import Foundation
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
        return Message(exchange: "", routingKey: ByteString(key), properties: p, body: record.readBytes(record.readableBytes) ?? [])
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
        return Message(exchange: "", routingKey: key, properties: p, body: Array(body.utf8))
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
        _ = v1.publish(Message(exchange: "", routingKey: "dq", properties: transient, body: [1]), directlyTo: q1)
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
}
