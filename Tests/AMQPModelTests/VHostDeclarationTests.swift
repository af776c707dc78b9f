import AMQPValues
import Testing

@testable import AMQPModel

@Suite("VHost: default exchanges, declare, delete, bindings")
struct VHostDeclarationTests {
    @Test("a new vhost has the AMQP default exchanges and mqtt.default, with their types")
    func defaultExchanges() {
        let f = CoreFixture()
        let expected: [ByteString: ExchangeType] = [
            "": .direct, "amq.direct": .direct, "amq.fanout": .fanout, "amq.topic": .topic,
            "amq.headers": .headers, "amq.match": .headers, "mqtt.default": .mqtt,
        ]
        for (name, type) in expected {
            #expect(f.vhost.exchange(named: name)?.type == type, "exchange '\(name)'")
            #expect(f.vhost.exchange(named: name)?.durable == true)
        }
        #expect(f.vhost.exchanges.count == expected.count)
        #expect(f.vhost.queues.isEmpty)
    }

    @Test("redeclaring an exchange with the same type and flags returns it; other type or flags is 406")
    func exchangeEquivalence() throws {
        let f = CoreFixture()
        let e = try f.exchange("x", "direct")
        #expect(try f.exchange("x", "direct") === e)
        #expect(throws: BrokerError.self) { try f.exchange("x", "fanout") }
        do {
            _ = try f.exchange("x", "direct", autoDelete: true)
            Issue.record("redeclare with other auto_delete succeeded")
        } catch {
            #expect(error.kind == .preconditionFailed)
        }
        do {
            _ = try f.vhost.declareExchange(
                name: "x", type: "direct", durable: true, autoDelete: false, isInternal: false, arguments: [:])
            Issue.record("redeclare with other durable succeeded")
        } catch {
            #expect(error.kind == .preconditionFailed)
        }
        do {
            _ = try f.exchange("y", "no-such-type")
            Issue.record("unknown exchange type accepted")
        } catch {
            #expect(error.kind == .commandInvalid)
        }
    }

    @Test("redeclaring a queue: same flags and args returns it; other flags or args is 406")
    func queueEquivalence() throws {
        let f = CoreFixture()
        let q = try f.queue("q", arguments: ["x-max-length": .int32(5)])
        let again = try f.vhost.declareQueue(
            name: "q", durable: false, exclusiveOwner: nil, autoDelete: false, arguments: ["x-max-length": .int64(5)],
            connection: 1)
        #expect(again.queue === q)
        #expect(!again.created)

        func redeclare(durable: Bool = false, autoDelete: Bool = false, exclusive: Bool = false, args: FieldTable)
            -> BrokerError.Kind?
        {
            do {
                _ = try f.vhost.declareQueue(
                    name: "q", durable: durable, exclusiveOwner: exclusive ? 1 : nil, autoDelete: autoDelete,
                    arguments: args, connection: 1)
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(redeclare(durable: true, args: ["x-max-length": .int32(5)]) == .preconditionFailed)
        #expect(redeclare(autoDelete: true, args: ["x-max-length": .int32(5)]) == .preconditionFailed)
        #expect(redeclare(exclusive: true, args: ["x-max-length": .int32(5)]) == .preconditionFailed)
        #expect(redeclare(args: ["x-max-length": .int32(6)]) == .preconditionFailed)
        #expect(redeclare(args: [:]) == .preconditionFailed)
        #expect(f.vhost.queue(named: "q") === q)
    }

    @Test("an exclusive queue is locked (405) for every other connection: declare, delete")
    func exclusiveQueue() throws {
        let f = CoreFixture()
        let q = try f.queue("mine", exclusiveOwner: 7)
        #expect(q.exclusiveOwner == 7)
        do {
            _ = try f.vhost.declareQueue(
                name: "mine", durable: false, exclusiveOwner: 8, autoDelete: false, arguments: [:], connection: 8)
            Issue.record("another connection declared an exclusive queue")
        } catch {
            #expect(error.kind == .resourceLocked)
        }
        do {
            _ = try f.vhost.declareQueue(
                name: "mine", durable: false, exclusiveOwner: nil, autoDelete: false, arguments: [:], connection: 8)
            Issue.record("another connection declared an exclusive queue as non-exclusive")
        } catch {
            #expect(error.kind == .resourceLocked)
        }
        do {
            _ = try f.vhost.deleteQueue(name: "mine", ifUnused: false, ifEmpty: false, connection: 8)
            Issue.record("another connection deleted an exclusive queue")
        } catch {
            #expect(error.kind == .resourceLocked)
        }
        let own = try f.vhost.declareQueue(
            name: "mine", durable: false, exclusiveOwner: 7, autoDelete: false, arguments: [:], connection: 7)
        #expect(own.queue === q)
        f.vhost.deleteExclusiveQueues(owner: 7)
        #expect(f.vhost.queue(named: "mine") == nil)
        #expect(q.isDeleted)
    }

    @Test(
        "invalid queue arguments are refused with 406",
        arguments: [
            ["x-message-ttl": FieldValue.int32(-1)],
            ["x-message-ttl": .longString(Array("10".utf8))],
            ["x-expires": .int32(0)],
            ["x-max-length": .int32(-5)],
            ["x-max-length-bytes": .int64(-1)],
            ["x-overflow": .string("reject-publish-dlx-maybe")],
            ["x-overflow": .int32(1)],
            ["x-dead-letter-exchange": .int32(1)],
            ["x-dead-letter-routing-key": .string("k")],
        ] as [FieldTable])
    func invalidArguments(_ args: FieldTable) {
        let f = CoreFixture()
        do {
            _ = try f.queue("q", arguments: args)
            Issue.record("accepted \(args)")
        } catch {
            #expect(error.kind == .preconditionFailed)
        }
        #expect(f.vhost.queue(named: "q") == nil)
    }

    @Test("unknown x- arguments are kept but ignored, as RabbitMQ does")
    func unknownArgumentsIgnored() throws {
        let f = CoreFixture()
        let q = try f.queue("q", arguments: ["x-queue-mode": .string("lazy")])
        #expect(q.arguments["x-queue-mode"] == .string("lazy"))
        #expect(q.limits == QueueArguments())
    }

    @Test("purge drops the ready messages and returns how many")
    func purge() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        for i in 0..<5 { f.publish("m\(i)", key: "q") }
        #expect(q.messageCount == 5)
        #expect(q.purge() == 5)
        #expect(q.messageCount == 0)
        #expect(q.messageBytes == 0)
        #expect(q.purge() == 0)
    }

    @Test("deleting a queue tells its consumers, removes its bindings and returns its ready count")
    func deleteQueue() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        try f.vhost.bind(.queue(q), to: "amq.direct", key: "k", arguments: [:])
        try f.vhost.bind(.queue(q), to: "amq.fanout", key: "", arguments: [:])
        let sub = TestSubscription(q, tag: "c1", prefetch: 1)
        try q.addConsumer(sub.handle)
        f.publish("a", key: "q")
        f.publish("b", key: "q")
        #expect(q.messageCount == 1)
        let count = try f.vhost.deleteQueue(name: "q", ifUnused: false, ifEmpty: false, connection: 1)
        #expect(count == 1)
        #expect(sub.consumer.deletedTags == ["c1"])
        #expect(q.isDeleted)
        #expect(f.vhost.queue(named: "q") == nil)
        #expect(f.vhost.exchange(named: "amq.direct")?.bindingCount == 0)
        #expect(f.vhost.exchange(named: "amq.fanout")?.bindingCount == 0)
        #expect(f.vhost.bindings.isEmpty)
        #expect(q.enqueue(message("late")) == .deleted)
    }

    @Test("queue.delete if-unused and if-empty refuse with 406; a missing queue is 404")
    func deleteConditions() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        let sub = TestSubscription(q, tag: "c")
        try q.addConsumer(sub.handle)
        #expect(throws: BrokerError(.preconditionFailed, "queue 'q' in vhost '/' in use")) {
            _ = try f.vhost.deleteQueue(name: "q", ifUnused: true, ifEmpty: false, connection: 1)
        }
        q.removeConsumer(sub.handle)
        f.publish("m", key: "q")
        #expect(throws: BrokerError(.preconditionFailed, "queue 'q' in vhost '/' is not empty")) {
            _ = try f.vhost.deleteQueue(name: "q", ifUnused: false, ifEmpty: true, connection: 1)
        }
        #expect(throws: BrokerError(.notFound, "no queue 'nope' in vhost '/'")) {
            _ = try f.vhost.deleteQueue(name: "nope", ifUnused: false, ifEmpty: false, connection: 1)
        }
    }

    @Test("an auto-delete exchange is deleted when its last binding goes (unbind or queue deletion)")
    func autoDeleteExchange() throws {
        let f = CoreFixture()
        try f.exchange("ad", "direct", autoDelete: true)
        let q1 = try f.queue("q1")
        let q2 = try f.queue("q2")
        try f.vhost.bind(.queue(q1), to: "ad", key: "a", arguments: [:])
        try f.vhost.bind(.queue(q2), to: "ad", key: "b", arguments: [:])
        try f.vhost.unbind(.queue(q1), from: "ad", key: "a", arguments: [:])
        #expect(f.vhost.exchange(named: "ad") != nil, "one binding left")
        _ = try f.vhost.deleteQueue(name: "q2", ifUnused: false, ifEmpty: false, connection: 1)
        #expect(f.vhost.exchange(named: "ad") == nil)

        try f.exchange("ad2", "fanout", autoDelete: true)
        try f.vhost.bind(.queue(q1), to: "ad2", key: "", arguments: [:])
        try f.vhost.unbind(.queue(q1), from: "ad2", key: "", arguments: [:])
        #expect(f.vhost.exchange(named: "ad2") == nil)
    }

    @Test("an auto-delete exchange that never had a binding stays")
    func autoDeleteExchangeUnbound() throws {
        let f = CoreFixture()
        try f.exchange("ad", "topic", autoDelete: true)
        let q = try f.queue("q")
        try f.vhost.unbind(.queue(q), from: "ad", key: "nothing", arguments: [:])
        #expect(f.vhost.exchange(named: "ad") != nil)
    }

    @Test("deleting an exchange removes the bindings to it from other exchanges")
    func deleteExchangeDetaches() throws {
        let f = CoreFixture()
        let e2 = try f.exchange("e2", "fanout")
        try f.vhost.bind(.exchange(e2), to: "amq.direct", key: "k", arguments: [:])
        #expect(f.vhost.exchange(named: "amq.direct")?.bindingCount == 1)
        #expect(throws: BrokerError.self) { try f.vhost.deleteExchange(name: "amq.direct", ifUnused: true) }
        try f.vhost.deleteExchange(name: "e2", ifUnused: false)
        #expect(f.vhost.exchange(named: "amq.direct")?.bindingCount == 0)
    }

    @Test("binding from the default exchange, or to it as a destination, is refused (403); a missing exchange is 404")
    func bindErrors() throws {
        let f = CoreFixture()
        let q = try f.queue("q")
        do {
            try f.vhost.bind(.queue(q), to: "", key: "q", arguments: [:])
            Issue.record("bound to the default exchange")
        } catch {
            #expect(error.kind == .accessRefused)
        }
        do {
            let defaultExchange = try #require(f.vhost.exchange(named: ""))
            try f.vhost.bind(.exchange(defaultExchange), to: "amq.fanout", key: "", arguments: [:])
            Issue.record("bound the default exchange as a destination")
        } catch let error as BrokerError {
            #expect(error.kind == .accessRefused)
        }
        #expect(f.vhost.exchange(named: "amq.fanout")?.bindingCount == 0)
        do {
            try f.vhost.bind(.queue(q), to: "missing", key: "q", arguments: [:])
            Issue.record("bound to a missing exchange")
        } catch {
            #expect(error.kind == .notFound)
        }
    }
}
