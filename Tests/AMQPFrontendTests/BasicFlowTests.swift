import AMQPValues
import AMQPWire
import Testing

@Suite("AMQP server: publish, get, consume, acks, confirms, transactions")
struct BasicFlowTests {
    @Test("queue.declare + basic.publish + basic.get round trip: properties intact, body split over frames")
    func publishGetRoundTrip() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen(frameMax: 4096)
        try client.openChannel(1)
        let ok = try client.declareQueue("rt")
        #expect(ok.queue == "rt")
        #expect(ok.messageCount == 0)

        var props = BasicProperties()
        props.contentType = "application/octet-stream"
        props.deliveryMode = 2
        props.priority = 3
        props.correlationId = "corr-1"
        props.replyTo = "replies"
        props.messageId = "id-42"
        props.timestamp = 1_700_000_000
        props.type = "t"
        props.appId = "tests"
        props.headers = ["x-n": .int32(7), "nested": .table(["k": .string("v")]), "list": .array([.bool(true)])]
        let body = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try client.publish(channel: 1, routingKey: "rt", body: body, properties: props)

        try client.send(.queueDeclare(QueueDeclare(queue: "rt", passive: true)), channel: 1)
        let passive = try client.next("queue.declare-ok") { if case .queueDeclareOk(let m) = $0 { m } else { nil } }
        #expect(passive.messageCount == 1)

        try client.send(.basicGet(BasicGet(queue: "rt", noAck: false)), channel: 1)
        let getOk = try client.next("basic.get-ok") { if case .basicGetOk(let m) = $0 { m } else { nil } }
        let content = try client.readContent(after: .basicGetOk(getOk))
        #expect(getOk.routingKey == "rt")
        #expect(getOk.exchange == "")
        #expect(getOk.messageCount == 0)
        #expect(!getOk.redelivered)
        #expect(content.properties == props)
        #expect(content.body == body)
        #expect(content.bodyFrames == 3, "10000 bytes at frame_max 4096 = 3 body frames")
        try client.send(.basicAck(BasicAck(deliveryTag: getOk.deliveryTag)), channel: 1)

        try client.send(.basicGet(BasicGet(queue: "rt")), channel: 1)
        _ = try client.next("basic.get-empty") { if case .basicGetEmpty = $0 { true } else { nil } }
        #expect(fixture.broker.vhost(named: "/")?.queue(named: "rt")?.unackedCount == 0)
    }

    @Test("an empty body is published with a header and no body frame")
    func emptyBody() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        _ = try client.declareQueue("e")
        try client.publish(channel: 1, routingKey: "e", body: [])
        try client.send(.basicGet(BasicGet(queue: "e", noAck: true)), channel: 1)
        let getOk = try client.next("basic.get-ok") { if case .basicGetOk(let m) = $0 { m } else { nil } }
        let content = try client.readContent(after: .basicGetOk(getOk))
        #expect(content.body.isEmpty)
        #expect(content.bodyFrames == 0)
    }

    @Test("basic.ack of an unknown delivery tag closes the channel with 406; the connection keeps working")
    func ackUnknownTag() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        try client.send(.basicAck(BasicAck(deliveryTag: 99)), channel: 1)
        let close = try client.expectChannelClose(1)
        #expect(close.replyCode == ReplyCode.preconditionFailed)
        #expect(close.classId == 60 && close.methodId == 80)
        #expect(close.replyText.string.contains("99"))
        try client.openChannel(2)
        #expect(try client.declareQueue("still-works", channel: 2).queue == "still-works")
        try client.openChannel(1)
        #expect(try client.declareQueue("again", channel: 1).queue == "again")
    }

    @Test("publisher confirms: 100 publishes are all acked (acks may be multiple), none nacked")
    func publisherConfirms() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        _ = try client.declareQueue("c")
        try client.send(.confirmSelect(ConfirmSelect()), channel: 1)
        _ = try client.next("confirm.select-ok") { if case .confirmSelectOk = $0 { true } else { nil } }
        for i in 0..<100 { try client.publish(channel: 1, routingKey: "c", text: "m\(i)") }
        var confirmed = Set<UInt64>()
        var highest: UInt64 = 0
        while confirmed.count < 100 {
            let (channel, method) = try client.readMethod()
            #expect(channel == 1)
            switch method {
            case .basicAck(let ack):
                let from = ack.multiple ? highest + 1 : ack.deliveryTag
                #expect(ack.deliveryTag > highest, "confirms arrive in order")
                for tag in from...ack.deliveryTag { confirmed.insert(tag) }
                highest = max(highest, ack.deliveryTag)
            case .basicNack(let nack):
                Issue.record("nack for \(nack.deliveryTag)")
                return
            default:
                Issue.record("unexpected \(method)")
                return
            }
        }
        #expect(confirmed == Set(1...100))
        #expect(fixture.broker.vhost(named: "/")?.queue(named: "c")?.messageCount == 100)
    }

    @Test("publisher confirms: a publish refused by x-overflow reject-publish is nacked")
    func confirmNack() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        try client.send(
            .queueDeclare(
                QueueDeclare(queue: "full", arguments: ["x-max-length": .int32(1), "x-overflow": .string("reject-publish")])),
            channel: 1)
        _ = try client.next("queue.declare-ok") { if case .queueDeclareOk(let m) = $0 { m } else { nil } }
        try client.send(.confirmSelect(ConfirmSelect()), channel: 1)
        _ = try client.next("confirm.select-ok") { if case .confirmSelectOk = $0 { true } else { nil } }
        try client.publish(channel: 1, routingKey: "full", text: "fits")
        let ack = try client.next("basic.ack") { if case .basicAck(let m) = $0 { m } else { nil } }
        #expect(ack.deliveryTag == 1)
        try client.publish(channel: 1, routingKey: "full", text: "refused")
        let nack = try client.next("basic.nack") { if case .basicNack(let m) = $0 { m } else { nil } }
        #expect(nack.deliveryTag == 2)
    }

    @Test("basic.consume delivers in order; basic.nack requeue redelivers in order with redelivered=true")
    func consumeAndRequeue() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        _ = try client.declareQueue("work")
        for i in 0..<3 { try client.publish(channel: 1, routingKey: "work", text: "m\(i)") }
        try client.send(.basicQos(BasicQos(prefetchCount: 10)), channel: 1)
        _ = try client.next("basic.qos-ok") { if case .basicQosOk = $0 { true } else { nil } }
        try client.send(.basicConsume(BasicConsume(queue: "work", consumerTag: "ctag")), channel: 1)
        let consumeOk = try client.next("basic.consume-ok") { if case .basicConsumeOk(let m) = $0 { m } else { nil } }
        #expect(consumeOk.consumerTag == "ctag")

        func deliveries(_ n: Int) throws -> [(deliver: BasicDeliver, body: String)] {
            var result: [(BasicDeliver, String)] = []
            for _ in 0..<n {
                let d = try client.next("basic.deliver") { if case .basicDeliver(let m) = $0 { m } else { nil } }
                let content = try client.readContent(after: .basicDeliver(d))
                result.append((d, String(decoding: content.body, as: UTF8.self)))
            }
            return result
        }
        let first = try deliveries(3)
        #expect(first.map(\.body) == ["m0", "m1", "m2"])
        #expect(first.allSatisfy { !$0.deliver.redelivered && $0.deliver.consumerTag == "ctag" })
        #expect(first.map(\.deliver.deliveryTag) == [1, 2, 3])

        try client.send(.basicNack(BasicNack(deliveryTag: 3, multiple: true, requeue: true)), channel: 1)
        let again = try deliveries(3)
        #expect(again.map(\.body) == ["m0", "m1", "m2"])
        #expect(again.allSatisfy { $0.deliver.redelivered })
        #expect(again.map(\.deliver.deliveryTag) == [4, 5, 6])

        try client.send(.basicAck(BasicAck(deliveryTag: 6, multiple: true)), channel: 1)
        try client.send(.basicCancel(BasicCancel(consumerTag: "ctag")), channel: 1)
        _ = try client.next("basic.cancel-ok") { if case .basicCancelOk = $0 { true } else { nil } }
        let q = fixture.broker.vhost(named: "/")?.queue(named: "work")
        #expect(q?.messageCount == 0)
        #expect(q?.unackedCount == 0)
        #expect(q?.consumerCount == 0)
    }

    @Test("prefetch 1: the next message is delivered only after the ack")
    func prefetchOne() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        _ = try client.declareQueue("p")
        for i in 0..<2 { try client.publish(channel: 1, routingKey: "p", text: "m\(i)") }
        try client.send(.basicQos(BasicQos(prefetchCount: 1)), channel: 1)
        _ = try client.next("basic.qos-ok") { if case .basicQosOk = $0 { true } else { nil } }
        try client.send(.basicConsume(BasicConsume(queue: "p", consumerTag: "c")), channel: 1)
        _ = try client.next("basic.consume-ok") { if case .basicConsumeOk = $0 { true } else { nil } }
        let d1 = try client.next("basic.deliver") { if case .basicDeliver(let m) = $0 { m } else { nil } }
        _ = try client.readContent(after: .basicDeliver(d1))
        // Declare-ok proves the server processed everything before it without delivering m1.
        let state = try client.declareQueue("p")
        #expect(state.messageCount == 1)
        try client.send(.basicAck(BasicAck(deliveryTag: d1.deliveryTag)), channel: 1)
        let d2 = try client.next("basic.deliver") { if case .basicDeliver(let m) = $0 { m } else { nil } }
        let c2 = try client.readContent(after: .basicDeliver(d2))
        #expect(String(decoding: c2.body, as: UTF8.self) == "m1")
    }

    @Test("tx.rollback drops a publish; tx.commit applies one")
    func transactions() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        _ = try client.declareQueue("tx")
        try client.send(.txSelect(TxSelect()), channel: 1)
        _ = try client.next("tx.select-ok") { if case .txSelectOk = $0 { true } else { nil } }
        try client.publish(channel: 1, routingKey: "tx", text: "rolled back")
        #expect(try client.declareQueue("tx").messageCount == 0, "not routed before commit")
        try client.send(.txRollback(TxRollback()), channel: 1)
        _ = try client.next("tx.rollback-ok") { if case .txRollbackOk = $0 { true } else { nil } }
        #expect(try client.declareQueue("tx").messageCount == 0)

        try client.publish(channel: 1, routingKey: "tx", text: "committed")
        try client.send(.txCommit(TxCommit()), channel: 1)
        _ = try client.next("tx.commit-ok") { if case .txCommitOk = $0 { true } else { nil } }
        try client.send(.basicGet(BasicGet(queue: "tx", noAck: true)), channel: 1)
        let getOk = try client.next("basic.get-ok") { if case .basicGetOk(let m) = $0 { m } else { nil } }
        let content = try client.readContent(after: .basicGetOk(getOk))
        #expect(String(decoding: content.body, as: UTF8.self) == "committed")
    }

    @Test("a mandatory publish that routes nowhere comes back as basic.return 312")
    func mandatoryReturn() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        try client.publish(channel: 1, routingKey: "nowhere", body: Array("lost".utf8), mandatory: true)
        let ret = try client.next("basic.return") { if case .basicReturn(let m) = $0 { m } else { nil } }
        #expect(ret.replyCode == ReplyCode.noRoute)
        #expect(ret.routingKey == "nowhere")
        let content = try client.readContent(after: .basicReturn(ret))
        #expect(content.body == Array("lost".utf8))
    }

    @Test("two loops: a consumer connection receives, in order, what a publisher connection on the other loop sends")
    func crossLoopDelivery() throws {
        let fixture = try ServerFixture(threads: 2)
        defer { fixture.shutdown() }
        let consumer = try fixture.connectOpen()
        let publisher = try fixture.connectOpen()
        try consumer.openChannel(1)
        _ = try consumer.declareQueue("x")
        try consumer.send(.basicConsume(BasicConsume(queue: "x", consumerTag: "c", noAck: true)), channel: 1)
        _ = try consumer.next("basic.consume-ok") { if case .basicConsumeOk = $0 { true } else { nil } }
        try publisher.openChannel(1)
        for i in 0..<200 { try publisher.publish(channel: 1, routingKey: "x", text: "m\(i)") }
        var bodies: [String] = []
        for _ in 0..<200 {
            let d = try consumer.next("basic.deliver") { if case .basicDeliver(let m) = $0 { m } else { nil } }
            bodies.append(String(decoding: try consumer.readContent(after: .basicDeliver(d)).body, as: UTF8.self))
        }
        #expect(bodies == (0..<200).map { "m\($0)" })
    }

    @Test("an ack inside a transaction is undone by tx.rollback: the delivery can be acked again")
    func rollbackAck() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        _ = try client.declareQueue("t")
        try client.publish(channel: 1, routingKey: "t", text: "m")
        try client.send(.txSelect(TxSelect()), channel: 1)
        _ = try client.next("tx.select-ok") { if case .txSelectOk = $0 { true } else { nil } }
        try client.send(.basicGet(BasicGet(queue: "t")), channel: 1)
        let getOk = try client.next("basic.get-ok") { if case .basicGetOk(let m) = $0 { m } else { nil } }
        _ = try client.readContent(after: .basicGetOk(getOk))
        try client.send(.basicAck(BasicAck(deliveryTag: getOk.deliveryTag)), channel: 1)
        try client.send(.txRollback(TxRollback()), channel: 1)
        _ = try client.next("tx.rollback-ok") { if case .txRollbackOk = $0 { true } else { nil } }
        let q = fixture.broker.vhost(named: "/")?.queue(named: "t")
        #expect(q?.unackedCount == 1)
        try client.send(.basicAck(BasicAck(deliveryTag: getOk.deliveryTag)), channel: 1)
        try client.send(.txCommit(TxCommit()), channel: 1)
        _ = try client.next("tx.commit-ok") { if case .txCommitOk = $0 { true } else { nil } }
        #expect(q?.unackedCount == 0)
    }

    @Test("basic.reject without requeue dead-letters through the queue's DLX")
    func rejectToDLX() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        _ = try client.declareQueue("dead")
        try client.send(
            .queueDeclare(
                QueueDeclare(
                    queue: "live2",
                    arguments: ["x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("dead")])),
            channel: 1)
        _ = try client.next("queue.declare-ok") { if case .queueDeclareOk = $0 { true } else { nil } }
        try client.publish(channel: 1, routingKey: "live2", text: "bad")
        try client.send(.basicGet(BasicGet(queue: "live2")), channel: 1)
        let getOk = try client.next("basic.get-ok") { if case .basicGetOk(let m) = $0 { m } else { nil } }
        _ = try client.readContent(after: .basicGetOk(getOk))
        try client.send(.basicReject(BasicReject(deliveryTag: getOk.deliveryTag, requeue: false)), channel: 1)
        try client.send(.basicGet(BasicGet(queue: "dead", noAck: true)), channel: 1)
        let dead = try client.next("basic.get-ok") { if case .basicGetOk(let m) = $0 { m } else { nil } }
        let content = try client.readContent(after: .basicGetOk(dead))
        #expect(String(decoding: content.body, as: UTF8.self) == "bad")
        #expect(dead.routingKey == "dead")
        guard case .array(let deaths)? = content.properties.headers?["x-death"], case .table(let death)? = deaths.first
        else {
            Issue.record("no x-death header")
            return
        }
        #expect(death["reason"] == .string("rejected"))
        #expect(death["queue"] == .string("live2"))
    }
}
