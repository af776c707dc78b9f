import Locks
import Synchronization

/// Users, their per-vhost permissions and topic permissions: the one source every frontend and the HTTP
/// API authenticate and authorize against.
///
/// Thread-safe: state sits behind one `Lock`, taken only by management operations, logins and
/// `Authorizer` cache refills, never per message. Every change bumps `revision` (an `Atomic`, read per
/// check by each `Authorizer`) so per-connection decision caches notice and refill, as LavinMQ's
/// permission cache does. Regexes are compiled when set, so an invalid one is reported to the caller
/// and checks never compile.
public final class UserStore: Sendable {
    private struct Key: Hashable, Sendable {
        var user: String
        var vhost: String
    }

    private struct State: Sendable {
        var users: [String: User] = [:]
        var permissions: [Key: PermissionGrant] = [:]
        /// Topic permissions by (user, vhost), then by exchange name.
        var topicPermissions: [Key: [String: TopicGrant]] = [:]
    }

    /// What an `Authorizer` needs about one (user, vhost), read under the lock with the matching revision.
    struct Access: Sendable {
        var revision: UInt64
        var user: User?
        var grant: PermissionGrant?
        var topics: [String: TopicGrant]
    }

    private let state = Lock(State())
    private let revisionCounter = Atomic<UInt64>(0)

    /// An empty store.
    public init() {}

    /// Increases on every change.
    public var revision: UInt64 { revisionCounter.load(ordering: .acquiring) }

    /// True when there are no users at all (the default user is created only then).
    public var isEmpty: Bool { state.withLock { $0.users.isEmpty } }

    public func user(named name: String) -> User? { state.withLock { $0.users[name] } }

    /// All users, sorted by name.
    public var users: [User] { state.withLock { Array($0.users.values) }.sorted { $0.name < $1.name } }

    /// Adds `user`, or replaces the user of that name (password, tags); permissions are kept.
    public func put(_ user: User) {
        change { $0.users[user.name] = user }
    }

    /// Removes the user and all its permissions; false if there was no such user.
    @discardableResult
    public func deleteUser(_ name: String) -> Bool {
        change { s in
            guard s.users.removeValue(forKey: name) != nil else { return false }
            s.permissions = s.permissions.filter { $0.key.user != name }
            s.topicPermissions = s.topicPermissions.filter { $0.key.user != name }
            return true
        }
    }

    /// The user when it exists and `password` verifies against its hash; nil otherwise.
    ///
    /// The hash is checked outside the lock: bcrypt takes tens of milliseconds.
    public func authenticate(username: String, password: [UInt8]) -> User? {
        guard let user = user(named: username),
            PasswordHash.verify(password, hash: user.passwordHash, algorithm: user.hashingAlgorithm)
        else { return nil }
        return user
    }

    /// Sets the user's permissions on `vhost`, replacing any.
    /// - Throws: `AuthError` naming the regex that does not compile, or the user when it does not exist.
    public func setPermissions(user: String, vhost: String, _ p: Permissions) throws(AuthError) {
        let grant = try PermissionGrant(p)
        try change { s throws(AuthError) in
            guard s.users[user] != nil else { throw AuthError.noSuchUser(user) }
            s.permissions[Key(user: user, vhost: vhost)] = grant
        }
    }

    public func clearPermissions(user: String, vhost: String) {
        change { $0.permissions[Key(user: user, vhost: vhost)] = nil }
    }

    public func permissions(user: String, vhost: String) -> Permissions? {
        state.withLock { $0.permissions[Key(user: user, vhost: vhost)]?.permissions }
    }

    /// Every (user, vhost) permission entry, sorted by user then vhost.
    public func allPermissions() -> [(user: String, vhost: String, permissions: Permissions)] {
        state.withLock { s in
            s.permissions.map { (user: $0.key.user, vhost: $0.key.vhost, permissions: $0.value.permissions) }
        }
        .sorted { ($0.user, $0.vhost) < ($1.user, $1.vhost) }
    }

    /// Sets the user's topic permissions for one exchange of `vhost`, replacing those for that exchange.
    /// - Throws: `AuthError` naming the regex that does not compile (variables expanded), or the unknown user.
    public func setTopicPermissions(user: String, vhost: String, _ p: TopicPermissions) throws(AuthError) {
        let grant = try TopicGrant(p)
        try change { s throws(AuthError) in
            guard s.users[user] != nil else { throw AuthError.noSuchUser(user) }
            s.topicPermissions[Key(user: user, vhost: vhost), default: [:]][p.exchange] = grant
        }
    }

    /// Removes the user's topic permissions on `vhost` for `exchange`, or for every exchange when nil.
    public func clearTopicPermissions(user: String, vhost: String, exchange: String?) {
        change { s in
            let key = Key(user: user, vhost: vhost)
            if let exchange {
                s.topicPermissions[key]?[exchange] = nil
                if s.topicPermissions[key]?.isEmpty == true { s.topicPermissions[key] = nil }
            } else {
                s.topicPermissions[key] = nil
            }
        }
    }

    /// The user's topic permissions on `vhost`, sorted by exchange.
    public func topicPermissions(user: String, vhost: String) -> [TopicPermissions] {
        state.withLock { s in (s.topicPermissions[Key(user: user, vhost: vhost)] ?? [:]).values.map(\.permissions) }
            .sorted { $0.exchange < $1.exchange }
    }

    /// Drops every permission and topic permission on a deleted vhost.
    public func removeVhost(_ vhost: String) {
        change { s in
            s.permissions = s.permissions.filter { $0.key.vhost != vhost }
            s.topicPermissions = s.topicPermissions.filter { $0.key.vhost != vhost }
        }
    }

    /// The current user record, grant and topic grants for (user, vhost) with the revision they belong to.
    func access(user: String, vhost: String) -> Access {
        state.withLock { s in
            let key = Key(user: user, vhost: vhost)
            return Access(
                revision: revisionCounter.load(ordering: .relaxed), user: s.users[user], grant: s.permissions[key],
                topics: s.topicPermissions[key] ?? [:])
        }
    }

    /// Applies `body` under the lock and bumps the revision before releasing it, so a reader that sees
    /// the new state under the lock also sees the new revision.
    private func change<R: Sendable, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        try state.withLock { s throws(E) -> R in
            let result = try body(&s)
            revisionCounter.add(1, ordering: .releasing)
            return result
        }
    }
}
