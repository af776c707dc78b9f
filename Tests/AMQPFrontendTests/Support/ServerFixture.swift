import AMQPFrontend
import AMQPModel
import Auth
import Transport

/// A real AMQP server in the test process: one event loop, a broker with user guest/guest on vhost "/",
/// listening on an ephemeral loopback port. Call `shutdown()` at the end of the test.
final class ServerFixture {
    let group: EventLoopGroup
    let broker: Broker
    let users = UserStore()
    let server: AMQPServer
    let listener: TCPListener

    init(threads: Int = 1, configure: (inout AMQPServerConfiguration) -> Void = { _ in }) throws {
        group = try EventLoopGroup(threads: threads)
        broker = Broker(scheduler: TestLoopScheduler(loop: group.loops[0]))
        broker.addVHost("/")
        users.put(
            User(name: "guest", passwordHash: PasswordHash.make("guest"), hashingAlgorithm: .sha256, tags: ["administrator"]))
        try users.setPermissions(user: "guest", vhost: "/", .all)
        var configuration = AMQPServerConfiguration()
        configuration.heartbeat = 0
        configure(&configuration)
        let server = AMQPServer(
            broker: broker, configuration: configuration, authenticator: Authenticator(users: users))
        self.server = server
        do {
            listener = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { server.makeHandler(for: $0) }
        } catch {
            group.shutdown()
            throw error
        }
    }

    var port: Int { listener.localAddress.port }

    /// A client connected to the server (not yet past the protocol header).
    func connect() throws -> AMQPTestClient { try AMQPTestClient(port: port) }

    /// A client that finished the handshake on vhost "/" as guest.
    func connectOpen(frameMax: UInt32 = 0) throws -> AMQPTestClient {
        let client = try connect()
        try client.handshake(frameMax: frameMax)
        return client
    }

    func shutdown() {
        listener.close()
        group.shutdown()
    }
}
