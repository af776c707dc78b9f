import Clocks
import Etcd
import Locks

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one node's `LeaderElection` against etcd on its own thread (`gw-cluster`): makes the calls the state machine
/// asks for, feeds the answers back, and reports each change of role to `onRole` (on that thread). The leader key is
/// `<prefix>/leader`, holding the leader's advertised URI.
///
/// A node campaigns only while it is electable: `<prefix>/isr` (the in-sync replicas the leader publishes, advertised
/// URIs separated by commas) does not exist yet (a new cluster) or lists it. A node missing from it may lack a change
/// the leader confirmed, so it follows and syncs instead.
public final class ClusterNode: @unchecked Sendable {
    private struct State {
        var election: LeaderElection
        var stopping = false
    }

    private let client: EtcdClient
    private let leaderKey: String
    private let isrKey: String
    private let onRole: @Sendable (LeaderElection.Role) -> Void
    private let state: Lock<State>
    private var thread: NamedThread?

    /// A node advertising `advertisedURI`, with a lease of `ttlSeconds`, coordinating through `client` under `prefix`.
    public init(
        client: EtcdClient, prefix: String, advertisedURI: String, ttlSeconds: Int,
        onRole: @escaping @Sendable (LeaderElection.Role) -> Void
    ) {
        self.client = client
        leaderKey = prefix + "/leader"
        isrKey = prefix + "/isr"
        self.onRole = onRole
        state = Lock(State(election: LeaderElection(ttlSeconds: ttlSeconds, advertisedURI: advertisedURI)))
    }

    /// The role now.
    public var role: LeaderElection.Role { state.withLock { $0.election.role } }

    /// True while this node may act as leader (its lease is known to be alive).
    public var mayLead: Bool { state.withLock { $0.election.mayLead(now: MonotonicClock.milliseconds()) } }

    /// Starts campaigning.
    public func start() throws(NamedThread.StartError) {
        thread = try NamedThread(name: "gw-cluster") { [self] in run() }
    }

    /// Steps down: stops campaigning, revokes the lease (so another node can lead at once) and reports the loss of the
    /// role.
    public func stop() {
        state.withLock { $0.stopping = true }
        thread?.join()
        thread = nil
    }

    private func run() {
        var lease: Int64?
        while !state.withLock({ $0.stopping }) {
            let now = MonotonicClock.milliseconds()
            let actions = state.withLock { $0.election.tick(now: now) }
            for action in actions { perform(action, lease: &lease) }
            if actions.isEmpty { usleep(50_000) }
        }
        let last = state.withLock { $0.election.resign() }
        if let lease { try? client.revoke(lease: lease) }
        for case .roleChanged(let role) in last { onRole(role) }
    }

    private func perform(_ action: LeaderElection.Action, lease: inout Int64?) {
        let sentAt = MonotonicClock.milliseconds()
        var follow: [LeaderElection.Action] = []
        do {
            switch action {
            case .grantLease(let ttl):
                let id = try client.grantLease(ttl: ttl)
                lease = id
                state.withLock { $0.election.leaseGranted(id, sentAt: sentAt) }
            case .keepAlive(let id):
                let remaining = try client.keepAlive(lease: id)
                follow = state.withLock { $0.election.keepAliveAnswered(remaining: remaining, sentAt: sentAt) }
            case .campaign(let id):
                let value = state.withLock { $0.election.advertisedURI }
                if let isr = try client.get(isrKey), !Self.lists(isr.value, value) {
                    if let holder = try client.get(leaderKey) {
                        follow = state.withLock {
                            $0.election.campaignAnswered(
                                won: false, holder: String(decoding: holder.value, as: UTF8.self), sentAt: sentAt)
                        }
                    } else {
                        state.withLock { $0.election.callFailed(now: MonotonicClock.milliseconds()) }
                    }
                    break
                }
                let (won, holder) = try client.campaign(leaderKey, Array(value.utf8), lease: id)
                if !won, holder.elementsEqual(value.utf8), try client.get(leaderKey)?.lease != id {
                    // Our URI under another lease: a previous run of this node, whose lease has not expired yet.
                    // It is not ours to lead with; wait for it to go.
                    state.withLock { $0.election.callFailed(now: MonotonicClock.milliseconds()) }
                    break
                }
                follow = state.withLock {
                    $0.election.campaignAnswered(won: won, holder: String(decoding: holder, as: UTF8.self), sentAt: sentAt)
                }
            case .roleChanged(let role):
                onRole(role)
            }
        } catch {
            state.withLock { $0.election.callFailed(now: MonotonicClock.milliseconds()) }
        }
        for case .roleChanged(let role) in follow { onRole(role) }
    }

    /// Whether the ISR value `isr` lists `node`.
    static func lists(_ isr: [UInt8], _ node: String) -> Bool {
        isr.split(separator: UInt8(ascii: ",")).contains { $0.elementsEqual(node.utf8) }
    }
}
