/// What the leader knows of one connected follower (for `/api/nodes`, `gatewayctl cluster_status` and `/metrics`).
public struct FollowerStatus: Sendable, Equatable {
    /// The follower's advertised URI.
    public var node: String
    /// Its address as the leader sees it.
    public var address: String
    /// True once it caught up after its bulk sync and while it is in the in-sync replica set.
    public var inSync: Bool
    /// The stream position it has applied and synced.
    public var acknowledged: UInt64
    /// Bytes of changes the leader recorded that it has not acknowledged.
    public var lagBytes: UInt64

    /// A status.
    public init(node: String, address: String, inSync: Bool, acknowledged: UInt64, lagBytes: UInt64) {
        self.node = node
        self.address = address
        self.inSync = inSync
        self.acknowledged = acknowledged
        self.lagBytes = lagBytes
    }
}
