/// What `/api/nodes` reports of a cluster node (issue 12): its role, the leader it follows, how it is reached and
/// where it coordinates. Provided by the executable, which runs the election.
public struct ClusterStatus: Sendable, Equatable {
    /// `leader`, `follower` or `candidate`.
    public var role: String
    /// The leader's advertised URI, when known.
    public var leader: String?
    /// This node's advertised URI.
    public var advertisedURI: String
    /// The etcd endpoints it uses.
    public var etcdEndpoints: [String]
    /// On the leader: the followers connected to it.
    public var followers: [ClusterFollower]
    /// On the leader: the in-sync replica set it published (itself and the followers in sync).
    public var inSyncReplicas: [String]

    public init(
        role: String, leader: String?, advertisedURI: String, etcdEndpoints: [String], followers: [ClusterFollower] = [],
        inSyncReplicas: [String] = []
    ) {
        self.role = role
        self.leader = leader
        self.advertisedURI = advertisedURI
        self.etcdEndpoints = etcdEndpoints
        self.followers = followers
        self.inSyncReplicas = inSyncReplicas
    }
}
