/// The `[clustering]` section (LavinMQ's names, design §11): whether this node is one of a cluster coordinated by etcd,
/// how it is reached, and the commands run when it gains or loses the leadership.
public struct ClusteringSection: Sendable, Equatable {
    /// `enabled`: run as a cluster node; only the leader opens the client listeners.
    public var enabled = false
    /// `bind`: the address the replication listener binds to.
    public var bind = "127.0.0.1"
    /// `port`: the replication port.
    public var port = 5679
    /// `advertised_uri`: how the other nodes reach this one (`tcp://host:port`); by default `tcp://<bind>:<port>`.
    public var advertisedURI: String?
    /// `etcd_endpoints`: etcd's client endpoints (`host:port`), tried in order.
    public var etcdEndpoints = ["localhost:2379"]
    /// `etcd_prefix`: the prefix of every key this cluster keeps in etcd (`<prefix>/leader`, ...).
    public var etcdPrefix = "gateway"
    /// `lease_ttl`: seconds the node's etcd lease lives without a keepalive; a leader cut off from etcd stops serving
    /// within it, and another node may lead after it.
    public var leaseTTL = 5
    /// `min_isr`: in-sync followers needed for a confirm; with fewer, confirms fail (nack, MQTT disconnect) instead
    /// of going out with fewer copies.
    public var minISR = 0
    /// `follower_ack_timeout`: milliseconds a follower in the in-sync replica set has to acknowledge a change before
    /// the leader removes it from the set and confirms without it.
    public var followerAckTimeout = 5000
    /// `max_lag`: bytes of changes kept for a follower that has not received them; a follower further behind is
    /// disconnected (and syncs again when it returns).
    public var maxLag = 256 << 20
    /// `on_leader_elected`: a shell command run when this node becomes the leader.
    public var onLeaderElected: String?
    /// `on_leader_lost`: a shell command run when this node stops being the leader.
    public var onLeaderLost: String?

    /// The URI this node advertises.
    public var effectiveAdvertisedURI: String { advertisedURI ?? "tcp://\(bind):\(port)" }

    /// The defaults: clustering off.
    public init() {}
}
