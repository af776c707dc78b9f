import AMQPValues

/// Permission checks for one connection: the user, the vhost it opened, and a cache of decisions.
///
/// Used only from the connection's own thread, so it takes no lock. Each check first compares the
/// store's `revision` (one atomic load) with the one the cache was filled at; on a change the cache is
/// dropped and the user's permissions are read again, so `set_permissions`, `delete_user` and the like
/// take effect on open connections at their next check. A decision is a dictionary hit after the first
/// check of a (kind, resource) pair; the caches are bounded and start over when full, so a client
/// cycling through names cannot grow them without limit.
///
/// Semantics are RabbitMQ's: a resource is allowed when the permission regex matches anywhere in its
/// name; the empty regex denies everything; no permission entry on the vhost denies everything. Topic
/// permissions restrict routing keys only on exchanges that have an entry: no entry for the exchange,
/// no restriction.
///
/// A token login (`Principal.credential`) takes its permissions from the token's scopes instead of the
/// store, with the same semantics; its topic permissions are resolved per exchange, since scope name globs
/// can match many exchanges. `renew` swaps in a new token (AMQP `connection.update-secret`).
public final class Authorizer {
    private struct Decision: Hashable {
        var kind: PermissionKind
        var resource: ByteString
    }

    private struct TopicDecision: Hashable {
        var access: TopicAccess
        var exchange: ByteString
        var routingKey: ByteString
    }

    private struct TopicPatternKey: Hashable {
        var access: TopicAccess
        var exchange: ByteString
    }

    /// Entries per cache before it is cleared.
    private static let cacheLimit = 4096

    private let store: UserStore
    public let vhost: String
    private let clientId: String?
    /// The user as of the last refresh (tags and password hash follow store changes).
    public private(set) var user: User

    private var revision: UInt64
    private var reloads: UInt64 = 0
    private var credential: TokenCredential?
    private var grant: PermissionGrant?
    /// Topic grants by exchange. From the store: every entry, and a missing exchange means no restriction.
    /// From a token: filled per exchange on first use, nil meaning no restriction.
    private var topics: [ByteString: TopicGrant?] = [:]
    private var decisions: [Decision: Bool] = [:]
    private var topicDecisions: [TopicDecision: Bool] = [:]
    private var topicPatterns: [TopicPatternKey: PermissionPattern?] = [:]

    /// An authorizer for `user` on `vhost`; `clientId` (MQTT) expands `{client_id}` in topic permissions.
    public convenience init(store: UserStore, user: User, vhost: String, clientId: String? = nil) {
        self.init(store: store, principal: Principal(user: user), vhost: vhost, clientId: clientId)
    }

    /// An authorizer for `principal` on `vhost`: a local user's permissions come from `store`, a token's from its scopes.
    public init(store: UserStore, principal: Principal, vhost: String, clientId: String? = nil) {
        self.store = store
        user = principal.user
        credential = principal.credential
        self.vhost = vhost
        self.clientId = clientId
        revision = 0
        reload()
    }

    /// Replaces a token login's token with `credential` (same user), so later checks use its scopes.
    public func renew(_ credential: TokenCredential) {
        self.credential = credential
        user = Principal(credential: credential).user
        reload()
    }

    /// Changes whenever the permissions this authorizer checks may have changed (a user-store change or `renew`):
    /// callers that cache a decision outside the authorizer compare it to invalidate their cache.
    public var decisionRevision: UInt64 {
        refreshIfChanged()
        return reloads
    }

    /// True when the user has a permissions entry on the vhost (needed to open it at all).
    public var hasVhostAccess: Bool {
        refreshIfChanged()
        return grant != nil
    }

    /// True when the user's `kind` regex on this vhost matches `resource` (a queue or exchange name).
    public func isAllowed(_ kind: PermissionKind, resource: ByteString) -> Bool {
        refreshIfChanged()
        let key = Decision(kind: kind, resource: resource)
        if let d = decisions[key] { return d }
        let d = grant?.pattern(for: kind).matches(resource.string) ?? false
        if decisions.count >= Self.cacheLimit { decisions.removeAll(keepingCapacity: true) }
        decisions[key] = d
        return d
    }

    /// True when the user's topic permissions on `exchange` allow `routingKey` for `access`.
    public func isTopicAllowed(_ access: TopicAccess, exchange: ByteString, routingKey: ByteString) -> Bool {
        refreshIfChanged()
        guard let topicGrant = topicGrant(for: exchange) else { return true }
        let key = TopicDecision(access: access, exchange: exchange, routingKey: routingKey)
        if let d = topicDecisions[key] { return d }
        let d = topicPattern(access, exchange: exchange, grant: topicGrant)?.matches(routingKey.string) ?? false
        if topicDecisions.count >= Self.cacheLimit { topicDecisions.removeAll(keepingCapacity: true) }
        topicDecisions[key] = d
        return d
    }

    private func topicGrant(for exchange: ByteString) -> TopicGrant? {
        if let known = topics[exchange] { return known }
        guard let credential else { return nil }
        let derived = credential.grants.topicPermissions(vhost: vhost, exchange: exchange.string).flatMap {
            try? TopicGrant($0)
        }
        if topics.count >= Self.cacheLimit { topics.removeAll(keepingCapacity: true) }
        topics[exchange] = .some(derived)
        return derived
    }

    /// The expanded, compiled topic pattern, compiled once per connection and exchange.
    private func topicPattern(_ access: TopicAccess, exchange: ByteString, grant: TopicGrant) -> PermissionPattern? {
        let key = TopicPatternKey(access: access, exchange: exchange)
        if let p = topicPatterns[key] { return p }
        let p = grant.pattern(for: access, username: user.name, vhost: vhost, clientId: clientId)
        topicPatterns[key] = p
        return p
    }

    @inline(__always)
    private func refreshIfChanged() {
        if store.revision != revision { reload() }
    }

    private func reload() {
        reloads &+= 1
        if let credential {
            revision = store.revision
            grant = credential.grants.permissions(vhost: vhost).flatMap { try? PermissionGrant($0) }
            topics.removeAll(keepingCapacity: true)
        } else {
            let access = store.access(user: user.name, vhost: vhost)
            revision = access.revision
            if let current = access.user { user = current }
            grant = access.grant
            topics = Dictionary(uniqueKeysWithValues: access.topics.map { (ByteString($0.key), .some($0.value)) })
        }
        decisions.removeAll(keepingCapacity: true)
        topicDecisions.removeAll(keepingCapacity: true)
        topicPatterns.removeAll(keepingCapacity: true)
    }
}
