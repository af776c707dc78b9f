/// The leadership of one cluster node, decided through etcd (issue 12 §2, design §11): the node keeps a lease alive
/// and campaigns for `<prefix>/leader` under it; whoever created the key leads until its lease ends.
///
/// A pure state machine on an injected clock (milliseconds): `tick` says which etcd calls to make, the `...Answered`
/// and `...Failed` events report how they went, and every change of role comes back as `.roleChanged`. The lease is
/// trusted only until `ttl - margin` after the *sending* of the last keepalive that etcd confirmed, so a leader that
/// cannot reach etcd stops leading (fencing) before etcd can have let its key expire and elected another node.
public struct LeaderElection: Sendable {
    /// What this node is.
    public enum Role: Equatable, Sendable {
        /// No valid lease, or a campaign not answered yet.
        case candidate
        /// Another node leads; its advertised URI.
        case follower(leader: String)
        case leader
    }

    /// An etcd call to make, or a change to act on.
    public enum Action: Equatable, Sendable {
        /// Grant a lease of the TTL; answer with `leaseGranted` or `callFailed`.
        case grantLease(ttl: Int)
        /// Refresh the lease; answer with `keepAliveAnswered` or `callFailed`.
        case keepAlive(lease: Int64)
        /// Create the leader key under the lease unless it exists; answer with `campaignAnswered` or `callFailed`.
        case campaign(lease: Int64)
        /// The node's role changed: serve clients as leader, or stop (and run the hooks).
        case roleChanged(Role)
    }

    /// The lease's time to live, seconds.
    public let ttlSeconds: Int
    /// The URI this node advertises as leader (the leader key's value).
    public let advertisedURI: String
    public private(set) var role = Role.candidate
    private var lease: Int64?
    /// Until when (ms) the lease is known to be alive, less the safety margin.
    private var validUntil: Int64 = 0
    private var nextKeepAlive: Int64 = 0
    private var nextCampaign: Int64 = 0
    /// When the last failed call may be retried.
    private var retryAt: Int64 = 0
    private var inFlight = false

    private var ttlMilliseconds: Int64 { Int64(ttlSeconds) * 1000 }
    /// Lost time allowed for: clock granularity and the delay of etcd's own expiry.
    private var margin: Int64 { max(200, ttlMilliseconds / 5) }

    /// A candidate with a lease of `ttlSeconds` (at least 2), advertising `advertisedURI`.
    public init(ttlSeconds: Int, advertisedURI: String) {
        self.ttlSeconds = max(2, ttlSeconds)
        self.advertisedURI = advertisedURI
    }

    /// True while this node may act as leader at `now` (every confirmation must check it).
    public func mayLead(now: Int64) -> Bool { role == .leader && now < validUntil }

    /// The next call to make at `now` (one at a time), and the loss of leadership once the lease can no longer be
    /// trusted.
    public mutating func tick(now: Int64) -> [Action] {
        var actions: [Action] = []
        if lease != nil && now >= validUntil {
            lease = nil
            actions += change(to: .candidate)
        }
        guard !inFlight, now >= retryAt else { return actions }
        guard let lease else {
            inFlight = true
            return actions + [.grantLease(ttl: ttlSeconds)]
        }
        if now >= nextKeepAlive {
            inFlight = true
            return actions + [.keepAlive(lease: lease)]
        }
        if role != .leader && now >= nextCampaign {
            inFlight = true
            return actions + [.campaign(lease: lease)]
        }
        return actions
    }

    /// etcd granted lease `id` for a request sent at `sentAt`.
    public mutating func leaseGranted(_ id: Int64, sentAt: Int64) {
        inFlight = false
        lease = id
        validUntil = sentAt + ttlMilliseconds - margin
        nextKeepAlive = sentAt + ttlMilliseconds / 3
        nextCampaign = sentAt
    }

    /// etcd answered a keepalive sent at `sentAt` with the lease's remaining TTL (0 or less: the lease is gone).
    public mutating func keepAliveAnswered(remaining: Int, sentAt: Int64) -> [Action] {
        inFlight = false
        guard remaining > 0 else {
            lease = nil
            return change(to: .candidate)
        }
        validUntil = sentAt + Int64(remaining) * 1000 - margin
        nextKeepAlive = sentAt + ttlMilliseconds / 3
        return []
    }

    /// A campaign sent at `sentAt` was answered: won, or the key is held by `holder` (empty: nobody, try again).
    public mutating func campaignAnswered(won: Bool, holder: String, sentAt: Int64) -> [Action] {
        inFlight = false
        nextCampaign = sentAt + ttlMilliseconds / 3
        guard lease != nil else { return [] }
        if won { return change(to: .leader) }
        if holder == advertisedURI {
            // The key is ours from an earlier campaign under this lease (a retried call): still leader.
            return change(to: .leader)
        }
        if holder.isEmpty {
            nextCampaign = sentAt
            return change(to: .candidate)
        }
        return change(to: .follower(leader: holder))
    }

    /// The call made at `now` failed (etcd unreachable or refused): retried shortly; the lease's validity runs out
    /// on its own.
    public mutating func callFailed(now: Int64) {
        inFlight = false
        retryAt = now + min(1000, ttlMilliseconds / 10)
    }

    /// The node steps down (shutdown): no role, no lease.
    public mutating func resign() -> [Action] {
        lease = nil
        inFlight = false
        return change(to: .candidate)
    }

    private mutating func change(to new: Role) -> [Action] {
        guard new != role else { return [] }
        role = new
        return [.roleChanged(new)]
    }
}
