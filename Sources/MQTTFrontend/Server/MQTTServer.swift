import AMQPModel
import AMQPValues
import Auth
import FrontendSupport
import Locks
import MQTTCodec
import Transport

/// The MQTT frontend: makes a connection handler for each accepted socket, and keeps the registry of
/// client ids (for takeover) and of persistent session state, per vhost.
public final class MQTTServer: Sendable {
    /// The core all connections work on.
    public let broker: Broker
    /// Listener limits and policies.
    public let configuration: MQTTServerConfiguration
    /// The authentication chain CONNECT credentials go through.
    public let authenticator: Authenticator
    /// Login and vhost access, shared with the AMQP frontend's rules.
    let login: LoginPolicy
    let logger = Logger(label: "mqtt")
    let sessions = MQTTSessionRegistry()
    /// Logged-in connections by id, for the management plane.
    private let loggedIn = Lock<[UInt64: (ref: MQTTConnectionRef, info: ClientConnectionInfo)]>([:])
    /// What the connections of each event loop share, made on the loop's first connection.
    private let loopContexts = Lock<[ObjectIdentifier: MQTTLoopContext]>([:])

    /// Creates the frontend over `broker`; logins go through `authenticator`, and permissions are checked against
    /// its user store.
    public init(broker: Broker, configuration: MQTTServerConfiguration, authenticator: Authenticator) {
        self.broker = broker
        self.configuration = configuration
        self.authenticator = authenticator
        login = LoginPolicy(
            authenticator: authenticator, defaultUser: configuration.defaultUser,
            defaultUserOnlyLoopback: configuration.defaultUserOnlyLoopback)
    }

    /// The handler for a newly accepted connection (pass this to `TCPListener.bind`).
    public func makeHandler(for connection: TCPConnection) -> any ConnectionHandler {
        let loop = connection.eventLoop
        let context = loopContexts.withLock { s in
            if let existing = s[ObjectIdentifier(loop)] { return existing }
            let made = MQTTLoopContext(loop: loop)
            s[ObjectIdentifier(loop)] = made
            return made
        }
        return MQTTConnection(id: broker.nextConnectionID(), server: self, connection: connection, loopContext: context)
    }

    /// Records what the management plane shows of a connection whose CONNECT was accepted.
    func loggedIn(_ connection: MQTTConnection, _ info: ClientConnectionInfo) {
        loggedIn.withLock { $0[connection.id] = (MQTTConnectionRef(connection), info) }
    }

    /// Forgets a connection that ended.
    func loggedOut(_ connection: MQTTConnection) {
        _ = loggedIn.withLock { $0.removeValue(forKey: connection.id) }
    }

    /// The logged-in client connections.
    public var clientConnections: [ClientConnectionInfo] { loggedIn.withLock { $0.values.map(\.info) } }

    /// Closes the connection called `name` (management API DELETE): like any end but DISCONNECT, its will fires.
    /// False when no connected client has that name.
    public func closeConnection(named name: String, reason: String) -> Bool {
        guard let ref = loggedIn.withLock({ $0.values.first { $0.info.name == name }?.ref }), let c = ref.connection
        else { return false }
        c.eventLoop.execute { c.closeByOperator(reason) }
        return true
    }

    /// Ends the session of `clientId` in `vhost` (management API): its connection, if any, is closed (the will
    /// fires), its session queue `mqtt.<client_id>` with its subscriptions and messages is deleted, and its saved
    /// QoS 2 state is forgotten. False when there is no such session.
    public func endSession(vhost vhostName: String, clientId: ByteString) -> Bool {
        let key = MQTTSessionRegistry.Key(vhost: vhostName, clientId: clientId)
        let hadState = sessions.takeState(key) != nil
        if let c = sessions.connection(for: key) {
            c.eventLoop.execute { c.endSessionByOperator() }
            return true
        }
        guard let vhost = broker.vhost(named: vhostName), vhost.queue(named: key.sessionQueue) != nil else {
            return hadState
        }
        _ = try? vhost.deleteQueue(name: key.sessionQueue, ifUnused: false, ifEmpty: false, connection: 0)
        return true
    }

    /// Number of connected MQTT clients.
    public var connectionCount: Int { sessions.connectedCount }

    /// Closes every client connection (broker shutdown). Wills are not published: the broker is going away,
    /// not the clients.
    public func closeAll() {
        for ref in sessions.allConnections() {
            guard let c = ref.connection else { continue }
            c.eventLoop.execute { c.shutdown() }
        }
    }
}
