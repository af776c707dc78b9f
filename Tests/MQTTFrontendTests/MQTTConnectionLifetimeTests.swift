import AMQPModel
import Auth
import Testing
import Transport
import TransportTestSupport

@testable import MQTTFrontend

@Suite("MQTT server: a closed connection is freed")
struct MQTTConnectionLifetimeTests {
    /// Runs the core's delayed work on the loop's timers.
    private struct LoopScheduler: BrokerScheduler {
        let loop: EventLoop

        func schedule(afterMilliseconds milliseconds: Int64, _ body: @escaping @Sendable () -> Void) {
            let loop = self.loop
            loop.execute { loop.scheduleTimer(after: .milliseconds(max(0, milliseconds)), body) }
        }
    }

    @Test("a subscriber with an unacknowledged QoS 1 delivery is freed once its client goes away")
    func closedSubscriberIsFreed() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let broker = Broker(scheduler: LoopScheduler(loop: group.loops[0]))
        broker.addVHost("/")
        let users = UserStore()
        users.put(User(name: "guest", passwordHash: PasswordHash.make("guest"), hashingAlgorithm: .sha256, tags: []))
        try users.setPermissions(user: "guest", vhost: "/", .all)
        let server = MQTTServer(
            broker: broker, configuration: MQTTServerConfiguration(), authenticator: Authenticator(users: users))
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { server.makeHandler(for: $0) }
        defer { listener.close() }

        weak var tracked: MQTTConnection?
        do {
            let client = try TestClient(port: listener.localAddress.port)
            // CONNECT 3.1.1, clean session, client id "leak", guest/guest; then CONNACK accepted.
            try client.send(
                [0x10, 30, 0, 4] + Array("MQTT".utf8) + [4, 0xC2, 0, 60] + [0, 4] + Array("leak".utf8)
                    + [0, 5] + Array("guest".utf8) + [0, 5] + Array("guest".utf8))
            #expect(try client.receive(4) == [0x20, 2, 0, 0])
            // SUBSCRIBE "t" at QoS 1 (packet id 1); SUBACK granting QoS 1.
            try client.send([0x82, 6, 0, 1, 0, 1, UInt8(ascii: "t"), 1])
            #expect(try client.receive(5) == [0x90, 3, 0, 1, 1])
            // PUBLISH "m" to "t" at QoS 1 (packet id 2): PUBACK, and the delivery, left unacknowledged.
            try client.send([0x32, 6, 0, 1, UInt8(ascii: "t"), 0, 2, UInt8(ascii: "m")])
            var received = try client.receive(4 + 8)
            if received[0] != 0x40 { received = Array(received[8...] + received[..<8]) }
            #expect(Array(received[..<4]) == [0x40, 2, 0, 2])
            #expect(received[4] & 0xF6 == 0x32 && received.last == UInt8(ascii: "m"), "\(received)")
            tracked = server.sessions.live().first
            #expect(tracked != nil)
        }
        // The socket closed with the client: the session registry, the queue (through the consumer handle) and the
        // loop must all let go of the connection.
        #expect(waitUntil { tracked == nil }, "the closed connection is still alive")
        #expect(server.sessions.connectedCount == 0)
    }
}
