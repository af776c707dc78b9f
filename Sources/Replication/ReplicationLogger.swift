/// Where the replication threads report events, one line each: routine ones (a follower connected, in sync) as info,
/// refusals and losses (a wrong secret, a follower dropped from the in-sync replicas) as warnings.
public struct ReplicationLogger: Sendable {
    let info: @Sendable (String) -> Void
    let warning: @Sendable (String) -> Void

    /// A logger writing through `info` and `warning`.
    public init(info: @escaping @Sendable (String) -> Void, warning: @escaping @Sendable (String) -> Void) {
        self.info = info
        self.warning = warning
    }
}
