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
    private let open = Lock<[UInt64: (ref: AMQPConnectionRef, info: ClientConnectionInfo?, channels: [UInt16])]>([:])

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
        open.withLock { $0[id] = (AMQPConnectionRef(handler), nil, []) }
        return handler
    }

    /// Records what the management plane shows of connection `id` once its login completed (connection.open).
    func loggedIn(id: UInt64, _ info: ClientConnectionInfo) {
        open.withLock { $0[id]?.info = info }
    }

    /// The channels connection `id` has open now (channel.open and close, not per message).
    func channelsChanged(id: UInt64, _ numbers: [UInt16]) {
        open.withLock { $0[id]?.channels = numbers.sorted() }
    }

    /// The open channels of the logged-in connections.
    public var clientChannels: [(connection: ClientConnectionInfo, number: UInt16)] {
        open.withLock { all in
            all.values.flatMap { entry in entry.info.map { info in entry.channels.map { (info, $0) } } ?? [] }
        }
    }

    func connectionEnded(id: UInt64) {
        _ = open.withLock { $0.removeValue(forKey: id) }
    }

    /// The logged-in client connections.
    public var clientConnections: [ClientConnectionInfo] { open.withLock { $0.values.compactMap(\.info) } }

    /// The counters of the logged-in connections and their channels, read on the connections' loops
    /// (`LoopHarvest`); reading them also adds the channels' publish counts to their exchanges.
    public func statistics() -> ClientStatistics {
        let entries = open.withLock { all in all.values.compactMap { e in e.info.map { (ref: e.ref, name: $0.name) } } }
        let loops = LoopHarvest.distinct(entries.map { $0.ref.connection.eventLoop })
        var merged = ClientStatistics()
        for part in LoopHarvest.collect(on: loops, { loop in
            var s = ClientStatistics()
            for (ref, name) in entries {
                let c = ref.connection
                guard c.eventLoop === loop else { continue }
                s.traffic[name] = .init(received: c.connection.bytesReceived, sent: c.connection.bytesSent)
                for (number, ch) in c.channels {
                    s.channels[.init(connection: name, number: number)] = ch.harvestStats()
                }
            }
            return s
        }) {
            merged.merge(part)
        }
        return merged
    }

    /// Closes the connection called `name` with 320 CONNECTION_FORCED and `reason` (management API DELETE); false
    /// when no open connection has that name.
    public func closeConnection(named name: String, reason: String) -> Bool {
        guard let c = open.withLock({ $0.values.first { $0.info?.name == name }?.ref.connection }) else { return false }
        c.eventLoop.execute { c.forceClose(reason: reason) }
        return true
    }

    /// Number of open client connections.
    public var connectionCount: Int { open.withLock { $0.count } }

    /// The open client connections (until their `connectionClosed`).
    var openConnections: [AMQPConnection] { open.withLock { $0.values.map(\.ref.connection) } }

    /// Sends connection.close (320 CONNECTION_FORCED) to every client; each connection closes its socket
    /// when the client answers or after a short grace period.
    public func closeAll(reason: String) {
        for entry in open.withLock({ Array($0.values) }) {
            let c = entry.ref.connection
            c.eventLoop.execute { c.forceClose(reason: reason) }
        }
    }
}

/// A sendable reference to a connection (it lives on its loop; only `execute` crosses threads), held until
/// `connectionEnded`: strong, not weak, so the connection has no side table (see `ConsumerHandle.consumer`).
struct AMQPConnectionRef: Sendable {
    let connection: AMQPConnection

    init(_ c: AMQPConnection) { connection = c }
}
