import AMQPFrontend
import AMQPModel
import Cluster
import Etcd
import GatewayConfig
import Locks
import Management
import MQTTFrontend

#if canImport(Glibc)
    import Glibc
#endif

/// What a cluster node does when its role changes (issue 12, design §11): the leader serves clients (its client
/// listeners are open); a node that stops leading closes them and every client connection at once (fencing: a node
/// that may have been replaced never serves again), and the `on_leader_elected` / `on_leader_lost` commands run.
final class ClusterRole: Sendable {
    private let node: ClusterNode
    private let advertisedURI: String
    private let etcdEndpoints: [String]
    private let logger = Logger(label: "cluster")

    /// Starts campaigning through the etcd endpoints of `section`.
    init(
        _ section: ClusteringSection, listeners: ClientListeners, amqp: AMQPServer, mqtt: MQTTServer
    ) throws(StartupError) {
        let logger = self.logger
        let uri = section.effectiveAdvertisedURI
        advertisedURI = uri
        etcdEndpoints = section.etcdEndpoints
        let onElected = section.onLeaderElected
        let onLost = section.onLeaderLost
        node = ClusterNode(
            client: EtcdClient(endpoints: section.etcdEndpoints), prefix: section.etcdPrefix, advertisedURI: uri,
            ttlSeconds: section.leaseTTL
        ) { role in
            switch role {
            case .leader:
                do {
                    try listeners.start()
                } catch {
                    logger.error("elected leader but cannot open the client listeners: \(error)")
                    return
                }
                logger.info("this node (\(uri)) is the leader")
                if let onElected { Self.run(onElected, logger: logger) }
            case .follower(let leader):
                Self.stepDown(listeners: listeners, amqp: amqp, mqtt: mqtt, onLost: onLost, logger: logger)
                logger.info("following the leader \(leader)")
            case .candidate:
                Self.stepDown(listeners: listeners, amqp: amqp, mqtt: mqtt, onLost: onLost, logger: logger)
                logger.info("no leadership: campaigning through etcd \(section.etcdEndpoints.joined(separator: ","))")
            }
        }
        do { try node.start() } catch { throw StartupError("cannot start the cluster thread: \(error)") }
        logger.info(
            "clustering on: advertising \(uri), etcd \(section.etcdEndpoints.joined(separator: ",")), prefix "
                + "'\(section.etcdPrefix)', lease \(section.leaseTTL) s")
    }

    /// The status `/api/nodes` reports.
    var status: ClusterStatus {
        let role = node.role
        let (name, leader): (String, String?) =
            switch role {
            case .leader: ("leader", advertisedURI)
            case .follower(let l): ("follower", l)
            case .candidate: ("candidate", nil)
            }
        return ClusterStatus(role: name, leader: leader, advertisedURI: advertisedURI, etcdEndpoints: etcdEndpoints)
    }

    /// Steps down (broker shutdown): the lease is revoked so another node can lead at once.
    func stop() { node.stop() }

    /// Leaving the leadership (or never having it): no client listener, no client connection.
    private static func stepDown(
        listeners: ClientListeners, amqp: AMQPServer, mqtt: MQTTServer, onLost: String?, logger: Logger
    ) {
        guard listeners.isOpen else { return }
        listeners.stop()
        amqp.closeAll(reason: "this node is no longer the cluster leader")
        mqtt.closeAll()
        logger.warning("this node is no longer the leader: client listeners and connections closed")
        if let onLost { run(onLost, logger: logger) }
    }

    /// Runs `command` with `/bin/sh -c` without holding up the election; a thread of its own waits for it and logs
    /// how it ended.
    private static func run(_ command: String, logger: Logger) {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { for a in argv { free(a) } }
        let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        if rc != 0 {
            logger.error("cannot run hook '\(command)': \(String(cString: strerror(rc)))")
            return
        }
        logger.info("running hook '\(command)' (pid \(pid))")
        let child = pid
        _ = try? NamedThread(name: "gw-hook") {
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
            logger.info("hook '\(command)' (pid \(child)) ended with status \(status)")
        }
    }
}
