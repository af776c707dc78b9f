import AMQPModel
import AMQPValues
import Auth
import Clocks
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
    /// The negotiated TLS protocol and cipher of connections over TLS, by connection id (read off the loops by the
    /// management plane; plain connections carry nothing here).
    private let tlsDetails = Lock<[UInt64: (protocolVersion: String, cipher: String)]>([:])
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
        restoreSessions()
    }

    /// After a restart each expiring MQTT 5 session gets the time it has left (counted from its disconnect; from now
    /// when the broker stopped while it was connected): its queue expires then, or is deleted at once when the time
    /// is up. Wills that were waiting for their delay wait for what is left of it (or go at once).
    private func restoreSessions() {
        let now = MonotonicClock.unixMilliseconds()
        for vhost in broker.vhosts {
            for (client, expiry) in vhost.mqttSessions.expiring {
                let queueName = MQTTSessionRegistry.Key(vhost: vhost.name, clientId: client).sessionQueue
                let left = expiry.remaining(at: now)
                guard let queue = vhost.queue(named: queueName), left > 0 else {
                    _ = try? vhost.deleteQueue(name: queueName, ifUnused: false, ifEmpty: false, connection: 0)
                    vhost.mqttSessions.ended(client)
                    logger.info("MQTT session '\(client)' in vhost '\(vhost.name)' expired while the broker was down")
                    continue
                }
                queue.setExpires(left)
            }
            for (client, will) in vhost.mqttSessions.pendingWills {
                let key = MQTTSessionRegistry.Key(vhost: vhost.name, clientId: client)
                delayWill(will, key: key, vhost: vhost, afterMilliseconds: max(0, will.dueAt - now))
            }
        }
    }

    /// Keeps `will` (on disk, `VHost.mqttSessions`) until it is due after `afterMilliseconds`, then publishes it;
    /// a connection resuming the session first drops it, one starting a new session publishes it at once.
    func delayWill(
        _ will: MQTTSessionStates.PendingWill, key: MQTTSessionRegistry.Key, vhost: VHost, afterMilliseconds: Int64
    ) {
        let clientId = key.clientId
        vhost.mqttSessions.willPending(clientId, will)
        let logger = self.logger
        let token = sessions.delayWill(key) { publish in
            vhost.mqttSessions.willDone(clientId)
            guard publish else {
                logger.info("MQTT client '\(clientId)' resumed its session: its delayed will is dropped")
                return
            }
            if will.retain { vhost.retained.retain(will.message, topic: will.message.routingKey) }
            _ = vhost.publish(will.message, to: will.message.exchange, mandatory: false)
            logger.info("MQTT client '\(clientId)': delayed will published to '\(will.message.routingKey)'")
        }
        let sessions = self.sessions
        broker.scheduler.schedule(afterMilliseconds: afterMilliseconds) { sessions.fireDelayedWill(key, token: token) }
    }

    /// The handler for a newly accepted connection (pass this to `TCPListener.bind`).
    public func makeHandler(for connection: TCPConnection) -> any ConnectionHandler {
        makeConnection(for: connection)
    }

    private func makeConnection(for connection: TCPConnection) -> MQTTConnection {
        let loop = connection.eventLoop
        let context = loopContexts.withLock { s in
            if let existing = s[ObjectIdentifier(loop)] { return existing }
            let made = MQTTLoopContext(loop: loop, server: self)
            s[ObjectIdentifier(loop)] = made
            return made
        }
        return MQTTConnection(id: broker.nextConnectionID(), connection: connection, loopContext: context)
    }

    /// The handler for a connection accepted by an MQTT over WebSocket listener: the opening handshake, then MQTT
    /// in binary frames.
    public func makeWebSocketHandler(for connection: TCPConnection) -> any ConnectionHandler {
        MQTTWebSocketConnection(server: self, mqtt: makeConnection(for: connection))
    }

    /// A connection's CONNECT was accepted: remembers its TLS details, if any, for the management plane.
    func loggedIn(_ connection: MQTTConnection) {
        guard let tls = connection.connection.tlsNegotiated else { return }
        tlsDetails.withLock { $0[connection.id] = tls }
    }

    /// Forgets a connection that ended.
    func loggedOut(_ connection: MQTTConnection) {
        guard connection.connection.isTLS else { return }
        _ = tlsDetails.withLock { $0.removeValue(forKey: connection.id) }
    }

    /// The connected clients, built on demand from the session registry: what they show is set once at CONNECT,
    /// before the registry (and its lock) publishes the connection, so it can be read from any thread.
    public var clientConnections: [ClientConnectionInfo] {
        let tls = tlsDetails.withLock { $0 }
        return sessions.live().compactMap { $0.info(tls: tls[$0.id]) }
    }

    /// The traffic of the connected clients, read on their loops (`LoopHarvest`); reading it also adds the PUBLISH
    /// counts to the vhosts' `mqtt.default` exchanges.
    public func statistics() -> ClientStatistics {
        let contexts = loopContexts.withLock { Array($0.values) }
        var merged = ClientStatistics()
        for part in LoopHarvest.collect(on: contexts.map(\.loop), { loop in
            contexts.first { $0.loop === loop }?.harvest() ?? ClientStatistics()
        }) {
            merged.merge(part)
        }
        return merged
    }

    /// Closes the connection called `name` (management API DELETE): like any end but DISCONNECT, its will fires.
    /// False when no connected client has that name.
    public func closeConnection(named name: String, reason: String) -> Bool {
        guard let c = sessions.live().first(where: { $0.connectionName == name }) else {
            return false
        }
        c.eventLoop.execute { c.closeByOperator(reason) }
        return true
    }

    /// Ends the session of `clientId` in `vhost` (management API): its connection, if any, is closed (the will
    /// fires), its session queue `mqtt.<client_id>` with its subscriptions and messages is deleted, and its saved
    /// QoS 2 state is forgotten. False when there is no such session.
    public func endSession(vhost vhostName: String, clientId: ByteString) -> Bool {
        let key = MQTTSessionRegistry.Key(vhost: vhostName, clientId: clientId)
        if let c = sessions.connection(for: key) {
            c.eventLoop.execute { c.endSessionByOperator() }
            return true
        }
        guard let vhost = broker.vhost(named: vhostName) else { return false }
        let hadState = vhost.mqttSessions.entry(for: clientId) != .init()
        vhost.mqttSessions.ended(clientId)
        guard vhost.queue(named: key.sessionQueue) != nil else { return hadState }
        _ = try? vhost.deleteQueue(name: key.sessionQueue, ifUnused: false, ifEmpty: false, connection: 0)
        return true
    }

    /// Number of connected MQTT clients.
    public var connectionCount: Int { sessions.connectedCount }

    /// Closes every client connection (broker shutdown). Wills are not published: the broker is going away,
    /// not the clients.
    public func closeAll() {
        for c in sessions.live() {
            c.eventLoop.execute { c.shutdown() }
        }
    }
}
