import AMQPWire
import Testing
import TransportTestSupport

@testable import AMQPFrontend

@Suite("AMQP server: a closed connection is freed")
struct ConnectionLifetimeTests {
    @Test("a connection that consumed and holds an unacknowledged delivery is freed once its client goes away")
    func closedConsumerConnectionIsFreed() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        weak var tracked: AMQPConnection?
        do {
            let client = try fixture.connectOpen()
            try client.openChannel(1)
            _ = try client.declareQueue("work")
            try client.send(.basicConsume(BasicConsume(queue: "work", consumerTag: "c")), channel: 1)
            _ = try client.next("basic.consume-ok") { if case .basicConsumeOk = $0 { true } else { nil } }
            try client.publish(channel: 1, routingKey: "work", text: "m")
            let deliver = try client.next("basic.deliver") { if case .basicDeliver(let m) = $0 { m } else { nil } }
            _ = try client.readContent(after: .basicDeliver(deliver))
            tracked = fixture.server.openConnections.first
            #expect(tracked != nil)
        }
        // The client's socket closed with it: the queue, the server and the loop must all let go of the connection
        // (its consumer handle references it, and it the handle).
        #expect(waitUntil { tracked == nil }, "the closed connection is still alive")
        let queue = fixture.broker.vhost(named: "/")?.queue(named: "work")
        #expect(queue?.consumerCount == 0)
        #expect(queue?.messageCount == 1, "the unacknowledged delivery went back to the queue")
    }
}
