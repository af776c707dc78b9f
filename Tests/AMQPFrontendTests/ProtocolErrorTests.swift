import AMQPFrontend
import AMQPWire
import Testing

@Suite("AMQP server: framing and content errors")
struct ProtocolErrorTests {
    @Test("a frame larger than the negotiated frame_max gets connection.close 501 FRAME_ERROR")
    func frameTooLarge() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen(frameMax: 4096)
        try client.openChannel(1)
        try client.sendFrame(type: FrameType.body.rawValue, channel: 1, payload: [UInt8](repeating: 7, count: 5000))
        let close = try client.expectConnectionClose()
        #expect(close.replyCode == ReplyCode.frameError)
        #expect(try client.readUntilClosed().isEmpty)
    }

    @Test("a heartbeat on channel 1 gets connection.close 505 UNEXPECTED_FRAME")
    func heartbeatOnChannel() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        try client.sendFrame(type: FrameType.heartbeat.rawValue, channel: 1, payload: [])
        #expect(try client.expectConnectionClose().replyCode == ReplyCode.unexpectedFrame)
    }

    @Test("a heartbeat on channel 0 is accepted silently")
    func heartbeatOnZero() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.sendFrame(type: FrameType.heartbeat.rawValue, channel: 0, payload: [])
        try client.openChannel(1)
    }

    @Test("a body frame without a content header gets connection.close 505")
    func bodyWithoutHeader() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        try client.sendFrame(type: FrameType.body.rawValue, channel: 1, payload: Array("stray".utf8))
        #expect(try client.expectConnectionClose().replyCode == ReplyCode.unexpectedFrame)
    }

    @Test("a body frame after basic.publish but before its header gets connection.close 505")
    func bodyBeforeHeader() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        try client.send(.basicPublish(BasicPublish(routingKey: "q")), channel: 1)
        try client.sendFrame(type: FrameType.body.rawValue, channel: 1, payload: Array("early".utf8))
        #expect(try client.expectConnectionClose().replyCode == ReplyCode.unexpectedFrame)
    }

    @Test("a content header announcing more than maxMessageSize closes the channel with 406; the connection lives")
    func messageTooLarge() throws {
        let fixture = try ServerFixture { $0.maxMessageSize = 1_000 }
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen(frameMax: 4096)
        try client.openChannel(1)
        _ = try client.declareQueue("big")
        try client.publish(channel: 1, routingKey: "big", body: [UInt8](repeating: 1, count: 2_000))
        let close = try client.expectChannelClose(1)
        #expect(close.replyCode == ReplyCode.preconditionFailed)
        #expect(close.replyText.string.contains("2000"))
        try client.openChannel(2)
        try client.publish(channel: 2, routingKey: "big", body: [UInt8](repeating: 1, count: 1_000))
        #expect(try client.declareQueue("big", channel: 2).messageCount == 1)
    }

    @Test("a method on a channel that was never opened gets connection.close 504 CHANNEL_ERROR")
    func unopenedChannel() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.send(.queueDeclare(QueueDeclare(queue: "x")), channel: 3)
        #expect(try client.expectConnectionClose().replyCode == ReplyCode.channelError)
    }

    @Test("a consumer on a deleted queue gets basic.cancel from the server (consumer_cancel_notify)")
    func cancelNotify() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.openChannel(1)
        _ = try client.declareQueue("gone")
        try client.send(.basicConsume(BasicConsume(queue: "gone", consumerTag: "c")), channel: 1)
        _ = try client.next("basic.consume-ok") { if case .basicConsumeOk = $0 { true } else { nil } }
        try client.openChannel(2)
        try client.send(.queueDelete(QueueDelete(queue: "gone")), channel: 2)
        let cancel = try client.expect("basic.cancel") { ch, m in
            if case .basicCancel(let c) = m, ch == 1 { c } else { nil }
        }
        #expect(cancel.consumerTag == "c")
    }

    @Test("an exclusive queue is 405 RESOURCE_LOCKED for another connection and deleted when its owner leaves")
    func exclusiveQueue() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let owner = try fixture.connectOpen()
        try owner.openChannel(1)
        try owner.send(.queueDeclare(QueueDeclare(queue: "excl", exclusive: true)), channel: 1)
        _ = try owner.next("queue.declare-ok") { if case .queueDeclareOk = $0 { true } else { nil } }
        let other = try fixture.connectOpen()
        try other.openChannel(1)
        try other.send(.queueDeclare(QueueDeclare(queue: "excl", passive: true)), channel: 1)
        #expect(try other.expectChannelClose(1).replyCode == ReplyCode.resourceLocked)
        try owner.send(
            .connectionClose(ConnectionClose(replyCode: ReplyCode.success, classId: 0, methodId: 0)), channel: 0)
        _ = try owner.next("connection.close-ok") { if case .connectionCloseOk = $0 { true } else { nil } }
        _ = try owner.readUntilClosed()
        try other.openChannel(2)
        try other.send(.queueDeclare(QueueDeclare(queue: "excl", passive: true)), channel: 2)
        #expect(try other.expectChannelClose(2).replyCode == ReplyCode.notFound)
    }
}
