import AMQPFrontend
import AMQPModel
import Auth
import Clocks
import FrontendSupport
import GatewayConfig
import Management
import MQTTFrontend
import Storage
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// The broker as it serves clients: the core loaded from the data directory, the AMQP and MQTT frontends, the
/// management server with its listeners, and the client listeners. A single node builds it at start; a cluster node
/// builds it when it is elected leader (from the files replication kept level with the previous leader's).
final class BrokerServices: @unchecked Sendable {
    let broker: Broker
    let coordinator: SyncCoordinator
    let amqp: AMQPServer
    let mqtt: MQTTServer
    let management: ManagementServer
    /// AMQP, MQTT and WebSocket listeners, opened by `openListeners`.
    let clientListeners: ClientListeners
    private var managementListeners: [TCPListener] = []
    private let logger = Logger(label: "gateway")

    /// Loads the broker from `configuration.main.dataDir` and binds the management listeners; the client listeners
    /// open with `openListeners`. A cluster leader passes its `durabilityBarrier` (see
    /// `SyncCoordinator.setDurabilityBarrier`) and `clusterStatus`.
    init(
        configuration: GatewayConfiguration, group: EventLoopGroup, tls: TLSContext?, dataDirectory: DataDirectory,
        durabilityBarrier: (@Sendable () -> Bool)? = nil, clusterStatus: (@Sendable () -> ClusterStatus)? = nil,
        proxyTrust: ProxyTrust? = nil
    ) throws(StartupError) {
        let dataDir = configuration.main.dataDir
        coordinator = SyncCoordinator(syncEnabled: configuration.main.sync)
        if let durabilityBarrier { coordinator.setDurabilityBarrier(durabilityBarrier) }
        if !configuration.main.sync {
            logger.warning(
                "sync is off (--no-sync / [main] sync = false): confirmed messages are written but not fsynced, "
                    + "and can be lost on a crash of the machine")
        }
        let alarm = ResourceAlarm(highWatermark: Self.messageMemoryLimit(configuration.main.maxResourceAlarm))
        let storage = MessageStorage(
            root: dataDir, segmentSize: configuration.main.segmentSize, codec: AMQPMessageCodec(alarm: alarm),
            coordinator: coordinator)
        broker = Broker(scheduler: LoopScheduler(loop: group.loops[0]), storage: storage, resourceAlarm: alarm)
        broker.addVHost("/")
        let users = UserStore()
        let snapshot = AtomicFile(path: dataDir + "/definitions.json")
        try Self.restoreDefinitions(from: snapshot, into: broker, users: users, logger: logger)
        if let path = configuration.main.loadDefinitions {
            let definitions: Definitions
            do { definitions = try DefinitionsParser.load(path: path) } catch {
                throw StartupError("load_definitions: \(error)")
            }
            do { try DefinitionsImporter(broker: broker, users: users, source: path).apply(definitions) } catch {
                throw StartupError("\(error)")
            }
            logger.info("imported definitions from \(path)")
        }
        broker.finishRecovery()
        if users.isEmpty { try Self.createDefaultUser(users: users, main: configuration.main, logger: logger) }
        let exporter = DefinitionsExporter(broker: broker, users: users)
        coordinator.setDefinitionsWriter {
            try snapshot.write(DefinitionsWriter.json(exporter.export(), productVersion: GatewayVersion.current))
        }
        coordinator.markDefinitionsChanged()

        var amqpConfig = AMQPServerConfiguration()
        amqpConfig.frameMax = configuration.amqp.frameMax
        amqpConfig.channelMax = configuration.amqp.channelMax
        amqpConfig.heartbeat = configuration.amqp.heartbeat
        amqpConfig.maxMessageSize = configuration.amqp.maxMessageSize
        amqpConfig.defaultUser = configuration.main.defaultUser
        amqpConfig.defaultUserOnlyLoopback = configuration.main.defaultUserOnlyLoopback
        let authenticator = try Self.makeAuthenticator(configuration, users: users, logger: logger)
        let amqp = AMQPServer(broker: broker, configuration: amqpConfig, authenticator: authenticator)
        self.amqp = amqp
        if configuration.mqtt.allowAnonymous {
            logger.warning(
                "[mqtt] allow_anonymous is on: MQTT clients without credentials act as user "
                    + "'\(configuration.mqtt.anonymousUser ?? configuration.main.defaultUser)'; do not use this in production"
            )
        }
        let mqtt = MQTTServer(
            broker: broker, configuration: Self.mqttConfiguration(configuration), authenticator: authenticator)
        self.mqtt = mqtt
        var managementConfig = ManagementConfiguration()
        managementConfig.productVersion = GatewayVersion.current
        managementConfig.nodeName = Self.nodeName()
        managementConfig.dataDirectory = dataDirectory.path
        managementConfig.freeDiskLimit = configuration.main.freeDiskMin
        managementConfig.memoryLimit = alarm.highWatermark
        managementConfig.ioThreads = group.loops.count
        managementConfig.clusterStatus = clusterStatus
        do {
            management = try ManagementServer(
                broker: broker, users: users,
                login: LoginPolicy(
                    authenticator: authenticator, defaultUser: configuration.main.defaultUser,
                    defaultUserOnlyLoopback: configuration.main.defaultUserOnlyLoopback),
                configuration: managementConfig, connections: FrontendConnections(amqp: amqp, mqtt: mqtt))
        } catch {
            coordinator.shutdown()
            throw StartupError("cannot start the management thread: \(error)")
        }
        let management = self.management
        var managementBound: [Listener] = []
        do {
            for address in ListenerAddress.management(configuration, tls: tls != nil) {
                let listener = try TCPListener.bind(
                    host: address.host, port: address.port, group: group, tls: address.tls ? tls : nil,
                    proxyProtocol: proxyTrust, onError: { [logger] in logger.warning("\($0)") },
                    makeHandler: { management.makeHandler(for: $0) })
                managementListeners.append(listener)
                managementBound.append(Listener(listener.localAddress, address.protocolName))
                logger.info("listening for \(address.label) on \(listener.localAddress)")
            }
        } catch {
            for l in managementListeners { l.close() }
            management.stop()
            coordinator.shutdown()
            throw StartupError("cannot listen: \(error)")
        }
        clientListeners = ClientListeners(
            Self.clientListenerSpecs(configuration, tls: tls, amqp: amqp, mqtt: mqtt), group: group,
            proxyTrust: proxyTrust, management: management, managementListeners: managementBound)
        DiskMonitor(directory: dataDirectory, minimum: configuration.main.freeDiskMin, loop: group.loops[0],
            alarm: broker.resourceAlarm).start()
    }

    /// Opens the client listeners.
    func openListeners() throws(StartupError) {
        do { try clientListeners.start() } catch { throw StartupError("cannot listen: \(error)") }
    }

    /// Closes every listener and every client connection gracefully (320 CONNECTION_FORCED), waiting up to 5 s for
    /// them to go.
    func closeConnections() {
        clientListeners.stop()
        for l in managementListeners { l.close() }
        amqp.closeAll(reason: "broker shutdown")
        mqtt.closeAll()
        let deadline = MonotonicClock.milliseconds() + 5_000
        while amqp.connectionCount + mqtt.connectionCount > 0 && MonotonicClock.milliseconds() < deadline {
            usleep(10_000)
        }
    }

    /// Stops the management thread and runs the last sync round (after the event loops stopped).
    func stop() {
        management.stop()
        coordinator.shutdown()
    }

    /// The `[main] auth_backends` chain. With oauth, the signing keys are loaded now: a JWKS file that cannot be
    /// read stops the start; a URL that cannot be fetched is logged and retried when logins need the keys.
    private static func makeAuthenticator(
        _ configuration: GatewayConfiguration, users: UserStore, logger: Logger
    ) throws(StartupError) -> Authenticator {
        let backends = configuration.main.authBackends.compactMap(AuthBackend.init(rawValue:))
        guard backends.contains(.oauth) else { return Authenticator(users: users, backends: backends) }
        let section = configuration.oauth
        guard let source = JWKSSource(section) else {
            throw StartupError("[main] auth_backends includes oauth but [oauth] jwks and issuer are both unset")
        }
        let keys = JWKSCache(
            source: source.description, ttl: Int64(section.jwksCacheTtl),
            loader: { () throws(OAuthError) in try source.load() },
            onLoaded: { logger.info("oauth: loaded \($0.keys.count) signing key(s) from \(source)") },
            onFailure: { logger.error("oauth: cannot refresh the signing keys: \($0)") })
        do {
            try keys.load()
            logger.info("oauth: loaded \(keys.currentKeys()?.keys.count ?? 0) signing key(s) from \(source)")
        } catch {
            if source.isFile { throw StartupError("[oauth] jwks: \(error)") }
            logger.error("oauth: cannot load the signing keys, token logins are refused until they load: \(error)")
        }
        let oauth = OAuthConfiguration(
            issuer: section.issuer, audience: section.audience, resourceServerId: section.resourceServerId,
            scopePrefix: section.scopePrefix, preferredUsernameClaims: section.preferredUsernameClaims,
            verifyAudience: section.verifyAud, leewaySeconds: Int64(section.leeway))
        return Authenticator(
            users: users, backends: backends, oauth: OAuthBackend(configuration: oauth, keys: keys))
    }

    /// The client listeners of `configuration`: AMQP, MQTT, MQTT over WebSocket, and with `tls` their TLS twins.
    private static func clientListenerSpecs(
        _ configuration: GatewayConfiguration, tls: TLSContext?, amqp: AMQPServer, mqtt: MQTTServer
    ) -> [ClientListeners.Spec] {
        ListenerAddress.clients(configuration, tls: tls != nil).map { address in
            let makeHandler: @Sendable (TCPConnection) -> ConnectionHandler? =
                switch address.name {
                case "amqp", "amqps": { amqp.makeHandler(for: $0) }
                case "mqtt", "mqtts": { mqtt.makeHandler(for: $0) }
                default: { mqtt.makeWebSocketHandler(for: $0) }
                }
            return ClientListeners.Spec(address: address, tls: address.tls ? tls : nil, makeHandler: makeHandler)
        }
    }

    private static func createDefaultUser(users: UserStore, main: MainSection, logger: Logger) throws(StartupError) {
        let name = main.defaultUser
        let hash = main.defaultPasswordHash ?? PasswordHash.make("guest", algorithm: .sha256)
        users.put(User(name: name, passwordHash: hash, hashingAlgorithm: .sha256, tags: ["administrator"]))
        do {
            try users.setPermissions(
                user: name, vhost: "/", Permissions(configure: ".*", write: ".*", read: ".*"))
        } catch {
            throw StartupError("cannot create the default user: \(error)")
        }
        logger.info(
            "created default user '\(name)'"
                + (main.defaultUserOnlyLoopback ? " (allowed from loopback only)" : ""))
    }

    private static func mqttConfiguration(_ c: GatewayConfiguration) -> MQTTServerConfiguration {
        var m = MQTTServerConfiguration()
        m.defaultVhost = c.mqtt.defaultVhost
        m.permissionCheckEnabled = c.mqtt.permissionCheckEnabled
        m.maxInflightMessages = c.mqtt.maxInflightMessages
        m.maxPacketSize = c.mqtt.maxPacketSize
        m.maxKeepalive = c.mqtt.maxKeepalive
        m.clientIdMustMatchUsername = c.mqtt.clientIdValidation == .username
        m.allowAnonymous = c.mqtt.allowAnonymous
        m.anonymousUser = c.mqtt.anonymousUser
        m.queueQoS0Offline = c.mqtt.queueQos0Offline
        m.maxSessionExpiryInterval = c.mqtt.maxSessionExpiryInterval
        m.topicAliasMaximum = c.mqtt.topicAliasMaximum
        m.maxTopicLevels = c.mqtt.maxTopicLevels
        m.maxSubscriptionsPerSession = c.mqtt.maxSubscriptionsPerSession
        m.defaultUser = c.main.defaultUser
        m.defaultUserOnlyLoopback = c.main.defaultUserOnlyLoopback
        return m
    }

    /// `max_message_memory`, or 40 % of physical memory when it is 0 (RabbitMQ's default watermark).
    private static func messageMemoryLimit(_ configured: Int64) -> Int {
        if configured > 0 { return Int(clamping: configured) }
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 4 << 30 }
        return pages * pageSize / 10 * 4
    }

    /// Loads the definitions snapshot the previous run left in the data dir: vhosts, users, permissions, durable
    /// exchanges, queues (with their messages) and bindings.
    private static func restoreDefinitions(
        from snapshot: AtomicFile, into broker: Broker, users: UserStore, logger: Logger
    ) throws(StartupError) {
        let bytes: [UInt8]?
        do { bytes = try snapshot.read() } catch {
            throw StartupError("cannot read the definitions snapshot \(snapshot.path): \(error)")
        }
        guard let bytes else { return }
        do {
            let definitions = try DefinitionsParser.parse(bytes, source: snapshot.path)
            try DefinitionsImporter(broker: broker, users: users, source: snapshot.path).apply(definitions)
            let messages = broker.vhosts.flatMap(\.queues).reduce(0) { $0 + $1.messageCount }
            logger.info(
                "restored \(definitions.vhosts.count) vhost(s), \(definitions.queues.count) durable queue(s) with "
                    + "\(messages) message(s), \(definitions.exchanges.count) exchange(s), \(definitions.bindings.count) binding(s)"
            )
        } catch {
            throw StartupError("definitions snapshot \(snapshot.path): \(error)")
        }
    }

    /// `gateway@<hostname>`, RabbitMQ's node-name shape.
    private static func nodeName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "gateway@localhost" }
        return "gateway@" + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
