import AMQPModel
import Auth
import FrontendSupport
import Locks
import Transport

/// The AMQP 0-9-1 frontend: makes a connection handler for each accepted socket and tracks open
/// connections so a shutdown can close them gracefully.
public final class AMQPServer: Sendable {
    /// The core all connections work on.
    public let broker: Broker
    /// Listener limits and policies.
    public let configuration: AMQPServerConfiguration
    /// The authentication chain start-ok credentials and update-secret tokens go through.
    public let authenticator: Authenticator
    /// Login and vhost access, shared with the MQTT frontend's rules.
    let login: LoginPolicy
    let logger = Logger(label: "amqp")
    private let open = Lock<[UInt64: AMQPConnectionRef]>([:])

    /// Creates the frontend over `broker`; logins go through `authenticator`, and permissions are checked against
    /// its user store.
    public init(broker: Broker, configuration: AMQPServerConfiguration, authenticator: Authenticator) {
        self.broker = broker
        self.configuration = configuration
        self.authenticator = authenticator
        login = LoginPolicy(
            authenticator: authenticator, defaultUser: configuration.defaultUser,
            defaultUserOnlyLoopback: configuration.defaultUserOnlyLoopback)
    }

    /// The handler for a newly accepted connection (pass this to `TCPListener.bind`).
    public func makeHandler(for connection: TCPConnection) -> any ConnectionHandler {
        let id = broker.nextConnectionID()
        let handler = AMQPConnection(id: id, server: self, connection: connection)
        open.withLock { $0[id] = AMQPConnectionRef(handler) }
        return handler
    }

    func connectionEnded(id: UInt64) {
        _ = open.withLock { $0.removeValue(forKey: id) }
    }

    /// Number of open client connections.
    public var connectionCount: Int { open.withLock { $0.count } }

    /// Sends connection.close (320 CONNECTION_FORCED) to every client; each connection closes its socket
    /// when the client answers or after a short grace period.
    public func closeAll(reason: String) {
        for ref in open.withLock({ Array($0.values) }) {
            guard let c = ref.connection else { continue }
            c.eventLoop.execute { c.forceClose(reason: reason) }
        }
    }
}

/// A weak, sendable reference to a connection (it lives on its loop; only `execute` crosses threads).
struct AMQPConnectionRef: Sendable {
    nonisolated(unsafe) weak var connection: AMQPConnection?

    init(_ c: AMQPConnection) { connection = c }
}
