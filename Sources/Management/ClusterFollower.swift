/// One follower connected to this leader, as `/api/nodes`, `gatewayctl cluster_status` and `/metrics` show it.
public struct ClusterFollower: Sendable, Equatable {
    /// Its advertised URI.
    public var node: String
    /// Its address as this node sees it.
    public var address: String
    /// True while it is in the in-sync replica set.
    public var inSync: Bool
    /// Bytes of changes it has not acknowledged.
    public var lagBytes: UInt64

    public init(node: String, address: String, inSync: Bool, lagBytes: UInt64) {
        self.node = node
        self.address = address
        self.inSync = inSync
        self.lagBytes = lagBytes
    }
}
