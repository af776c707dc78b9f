import Storage

/// What leader and follower say to each other on the replication port (issue 12 §3).
///
/// The follower opens the connection with `hello` (the cluster's shared secret and its advertised URI); the leader
/// answers `welcome` or `refused` and closes. Bulk sync: the follower sends its `index`, the leader answers with the
/// `change`s that turn the follower's files into its own and a `phaseEnd`; a second round runs while the leader holds
/// its files still, and its `phaseEnd(final: true)` gives the stream position the follower is now at. From there
/// every `change` the leader makes follows; the follower acknowledges the position it has applied and synced with
/// `ack`, and the leader sends a `heartbeat` with its own position while idle.
public enum ReplicationMessage: Equatable, Sendable {
    /// Follower → leader, first: the shared secret and the follower's advertised URI.
    case hello(secret: [UInt8], node: String)
    /// Leader → follower: the secret matched; the leader's client ports by listener name (`amqp`, `mqtt`, `http`, ...),
    /// where a follower forwards its clients.
    case welcome(ports: [ClientPort])
    /// Leader → follower: why the connection is refused (then it closes).
    case refused(String)
    /// The sender's files (follower → leader in both bulk-sync rounds).
    case index([FileIndexEntry])
    /// Leader → follower: one change to apply.
    case change(ReplicatedChange)
    /// Leader → follower: the end of a bulk-sync round; after the final one the follower is at stream `position`.
    case phaseEnd(final: Bool, position: UInt64)
    /// Leader → follower while idle: the leader's stream position.
    case heartbeat(position: UInt64)
    /// Follower → leader: every change up to stream `position` is applied and synced.
    case ack(position: UInt64)

    /// The frame's name, for log lines.
    public var name: String {
        switch self {
        case .hello: "hello"
        case .welcome: "welcome"
        case .refused: "refused"
        case .index: "index"
        case .change: "change"
        case .phaseEnd: "phase end"
        case .heartbeat: "heartbeat"
        case .ack: "ack"
        }
    }
}
