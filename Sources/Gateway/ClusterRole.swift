import AMQPModel
import Cluster
import Etcd
import GatewayConfig
import Locks
import Management
import Replication
import Storage
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// What a cluster node does in each role (issue 12, design §11).
///
/// - **Follower**: no broker runs; a `ReplicationClient` keeps the data directory level with the leader's.
/// - **Leader**: the broker is loaded from the data directory (`BrokerServices`), every file change goes to the
///   followers (`ReplicationLog` + `ReplicationServer` on the clustering port), each sync round waits until the in-sync
///   replicas acknowledged it and this node may still lead before anything is confirmed, and the listeners open.
/// - **Losing the leadership** (lease lost or taken): the node stops at once and restarts in place as a follower
///   (`ProcessRestart`), so it never serves or confirms after it may have been replaced.
///
/// etcd keys under the prefix: `leader` (the leader's URI, under its lease), `isr` (the in-sync replicas' URIs,
/// comma-separated, written by the leader only while it holds `leader`), `clustering_secret` (created by the first
/// leader; followers present it on the replication port).
final class ClusterRole: @unchecked Sendable {
    private struct State {
        var stopping = false
        var hasLed = false
        var follower: ReplicationClient?
        var services: BrokerServices?
        var server: ReplicationServer?
    }

    private let configuration: GatewayConfiguration
    private let section: ClusteringSection
    private let group: EventLoopGroup
    private let tls: TLSContext?
    private let dataDirectory: DataDirectory
    private let uri: String
    private let etcd: EtcdClient
    private let keys: (leader: String, isr: String, secret: String)
    private let state = Lock(State())
    private let secret = Lock<[UInt8]?>(nil)
    /// A follower's listeners, forwarding to the leader.
    private let forwarding: ForwardingListeners
    private let logger = Logger(label: "cluster")
    private var node: ClusterNode!

    /// Starts campaigning through the etcd endpoints of `[clustering]`.
    init(
        _ configuration: GatewayConfiguration, group: EventLoopGroup, tls: TLSContext?, dataDirectory: DataDirectory
    ) throws(StartupError) {
        self.configuration = configuration
        section = configuration.clustering
        self.group = group
        self.tls = tls
        self.dataDirectory = dataDirectory
        uri = section.effectiveAdvertisedURI
        etcd = EtcdClient(endpoints: section.etcdEndpoints)
        let prefix = section.etcdPrefix
        keys = (prefix + "/leader", prefix + "/isr", prefix + "/clustering_secret")
        forwarding = ForwardingListeners(configuration, tls: tls != nil, group: group)
        node = ClusterNode(
            client: EtcdClient(endpoints: section.etcdEndpoints), prefix: prefix, advertisedURI: uri,
            ttlSeconds: section.leaseTTL
        ) { [unowned self] role in roleChanged(role) }
        do { try node.start() } catch { throw StartupError("cannot start the cluster thread: \(error)") }
        logger.info(
            "clustering on: advertising \(uri), etcd \(section.etcdEndpoints.joined(separator: ",")), prefix "
                + "'\(prefix)', lease \(section.leaseTTL) s, min_isr \(section.minISR)")
    }

    /// The status `/api/nodes` reports.
    var status: ClusterStatus {
        let (name, leader): (String, String?) =
            switch node.role {
            case .leader: ("leader", uri)
            case .follower(let l): ("follower", l)
            case .candidate: ("candidate", nil)
            }
        let server = state.withLock { $0.server }
        return ClusterStatus(
            role: name, leader: leader, advertisedURI: uri, etcdEndpoints: section.etcdEndpoints,
            followers: server?.followers.map {
                ClusterFollower(node: $0.node, address: $0.address, inSync: $0.inSync, lagBytes: $0.lagBytes)
            } ?? [],
            inSyncReplicas: [uri] + (server?.inSyncReplicas ?? []))
    }

    /// Shutdown: stops campaigning (revoking the lease, so another node can lead at once), replicating and following.
    /// Returns the broker when this node was leading, for the caller to close.
    func stop() -> BrokerServices? {
        state.withLock { $0.stopping = true }
        node.stop()
        let (follower, server, services) = state.withLock { ($0.follower, $0.server, $0.services) }
        forwarding.stop()
        follower?.stop()
        server?.stop()
        return services
    }

    private func roleChanged(_ role: LeaderElection.Role) {
        let (stopping, hasLed) = state.withLock { ($0.stopping, $0.hasLed) }
        guard !stopping else { return }
        switch role {
        case .leader:
            // Loading the broker can outlast the lease: it runs on a thread of its own so the election thread keeps
            // the lease alive meanwhile (and restarts the node if it is lost all the same).
            state.withLock { $0.hasLed = true }
            do { try NamedThread(name: "gw-promote") { [unowned self] in lead() }.detach() } catch {
                restart(because: "cannot start the promotion thread: \(error)")
            }
        case .follower(let leader):
            if hasLed { restart(because: "\(leader) leads now") }
            follow(leader)
        case .candidate:
            if hasLed { restart(because: "its etcd lease could not be kept alive") }
            logger.info("no leader: waiting to campaign through etcd \(section.etcdEndpoints.joined(separator: ","))")
        }
    }

    /// Keeps the data directory level with `leader`'s and forwards this node's client ports to it.
    private func follow(_ leader: String) {
        let current = state.withLock { $0.follower }
        guard current?.status.leader != leader else { return }
        current?.stop()
        let logger = self.logger
        do {
            let client = try ReplicationClient(
                root: configuration.main.dataDir, leaderURI: leader, secret: { [unowned self] in knownSecret() },
                node: uri, logger: ReplicationLogger(info: { logger.info($0) }, warning: { logger.warning($0) }))
            try client.start()
            state.withLock { $0.follower = client }
            logger.info("following the leader \(leader)")
            if let (host, port) = ReplicationClient.parse(leader) {
                let numeric = (try? SocketAddress.resolve(host: host, port: port))?.host ?? host
                forwarding.forward { (numeric, client.status.leaderPorts) }
                forwarding.start()
            }
        } catch {
            logger.error("cannot follow the leader \(leader): \(error)")
        }
    }

    /// Loads the broker from the replicated files and serves.
    private func lead() {
        let follower = state.withLock { s -> ReplicationClient? in
            defer { s.follower = nil }
            return s.follower
        }
        follower?.stop()
        forwarding.stop()
        guard let secret = leaderSecret() else { restart(because: "the clustering secret cannot be read or created in etcd") }
        let log = ReplicationLog(maxLagBytes: UInt64(section.maxLag))
        let root = configuration.main.dataDir
        FileChangeFeeds.attach(log, root: root)
        guard publishISR([]) else { restart(because: "the in-sync replica set cannot be written to etcd") }
        let server: ReplicationServer
        do {
            let logger = self.logger
            server = try ReplicationServer(
                root: root, log: log, host: section.bind, port: section.port, secret: secret,
                clientPorts: ListenerAddress.all(configuration, tls: tls != nil).map {
                    ClientPort(name: $0.name, port: $0.port)
                },
                ackTimeoutMilliseconds: section.followerAckTimeout,
                publishISR: { [unowned self] in publishISR($0) },
                logger: ReplicationLogger(info: { logger.info($0) }, warning: { logger.warning($0) }))
            try server.start()
        } catch {
            logger.error("elected leader but cannot open the clustering port \(section.bind):\(section.port): \(error)")
            restart(because: "the clustering port could not be opened")
        }
        state.withLock { $0.server = server }
        let (node, minISR, logger) = (node!, section.minISR, logger)
        let barrier: @Sendable () -> Bool = {
            guard server.waitUntilReplicated(log.position) else { return false }
            guard server.inSyncReplicas.count >= minISR else {
                logger.warning(
                    "\(server.inSyncReplicas.count) follower(s) in sync, min_isr is \(minISR): not confirming")
                return false
            }
            return node.mayLead
        }
        let services: BrokerServices
        do {
            services = try BrokerServices(
                configuration: configuration, group: group, tls: tls, dataDirectory: dataDirectory,
                durabilityBarrier: barrier, clusterStatus: { [unowned self] in status },
                proxyTrust: ProxyTrust { server.isFollower(host: $0.host) })
        } catch {
            logger.error("elected leader but cannot load the broker: \(error)")
            restart(because: "the broker could not be loaded")
        }
        let stopping = state.withLock { s -> Bool in
            s.services = services
            return s.stopping
        }
        guard !stopping else { return }
        do { try services.openListeners() } catch {
            logger.error("elected leader but \(error)")
            restart(because: "the client listeners could not be opened")
        }
        logger.info("this node (\(uri)) is the leader")
        if let command = section.onLeaderElected { HookCommand.run(command, logger: logger) }
    }

    /// Writes `<prefix>/isr` as this node and `followers`, only while this node holds the leader key.
    private func publishISR(_ followers: [String]) -> Bool {
        let value = Array(([uri] + followers).joined(separator: ",").utf8)
        do {
            return try etcd.put(keys.isr, value, ifKey: keys.leader, equals: Array(uri.utf8))
        } catch {
            logger.error("cannot write the in-sync replicas to etcd: \(error)")
            return false
        }
    }

    /// The secret followers present, created (32 random bytes, hex) by the first leader of the cluster.
    private func leaderSecret() -> [UInt8]? {
        if let known = knownSecret() { return known }
        // The system generator is getrandom(2) on Linux: fit for a secret.
        var rng = SystemRandomNumberGenerator()
        let hex = Array((0..<32).map { _ in String(UInt8.random(in: .min ... .max, using: &rng), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined().utf8)
        do {
            let (_, holder) = try etcd.campaign(keys.secret, hex, lease: 0)
            secret.withLock { $0 = holder }
            return holder
        } catch {
            logger.error("cannot create the clustering secret in etcd: \(error)")
            return nil
        }
    }

    /// The cluster's secret, read from etcd once.
    private func knownSecret() -> [UInt8]? {
        if let known = secret.withLock({ $0 }) { return known }
        guard let value = try? etcd.get(keys.secret)?.value else { return nil }
        secret.withLock { $0 = value }
        return value
    }

    /// Stops serving at once and starts again as a follower.
    private func restart(because reason: String) -> Never {
        logger.warning("this node is no longer the leader (\(reason)): restarting as a follower")
        if let command = section.onLeaderLost { HookCommand.run(command, logger: logger) }
        ProcessRestart.exec(logger: logger)
    }
}
