import Clocks
import Synchronization
import Testing

@testable import Auth

@Suite("Authentication chain and token authorization")
struct AuthenticatorTests {
    static let config = OAuthConfiguration(issuer: "https://idp.example", resourceServerId: "gateway")

    static func users() throws -> UserStore {
        let store = UserStore()
        store.put(User(name: "bob", passwordHash: PasswordHash.make("secret")))
        try store.setPermissions(user: "bob", vhost: "/", Permissions(configure: ".*", write: ".*", read: ".*"))
        return store
    }

    /// Counts key set loads across the cache's background queue.
    final class LoadCounter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    static func oauth(loads: LoadCounter? = nil) throws -> OAuthBackend {
        let keys = try JWTVerifierTests.jwks()
        let cache = JWKSCache(
            source: "test", ttl: 3600, minimumRefreshInterval: 0,
            loader: { () throws(OAuthError) in
                loads?.increment()
                return keys
            }, onFailure: { _ in })
        try cache.load()
        return OAuthBackend(configuration: config, keys: cache)
    }

    static func token(sub: String = "alice", scope: String, kid: String = "rsa1", lifetime: Int64 = 600) -> [UInt8] {
        let now = Int64(MonotonicClock.unixSeconds())
        let claims: [String: Any] = [
            "sub": sub, "iss": "https://idp.example", "aud": "gateway", "exp": now + lifetime, "iat": now,
            "scope": scope,
        ]
        return Array(JWTVerifierTests.rs256(header: ["alg": "RS256", "kid": kid], claims).utf8)
    }

    @Test("local,oauth: a password logs in a local user, a token logs in the user it names with its scope tags")
    func chainAcceptsBoth() throws {
        let chain = Authenticator(users: try Self.users(), backends: [.local, .oauth], oauth: try Self.oauth())
        let local = try chain.authenticate(username: "bob", password: Array("secret".utf8))
        #expect(local.user.name == "bob")
        #expect(local.credential == nil)

        let token = Self.token(scope: "gateway.read:*/* gateway.tag:monitoring other.tag:administrator")
        let principal = try chain.authenticate(username: "ignored", password: token)
        #expect(principal.user.name == "alice")
        #expect(principal.user.tags == ["monitoring"])
        #expect(principal.user.passwordHash.isEmpty)
        let remaining = try #require(principal.credential?.deadline) - Int64(MonotonicClock.unixSeconds())
        #expect((599 + Self.config.leewaySeconds)...(600 + Self.config.leewaySeconds) ~= remaining)
    }

    @Test("without the oauth backend a valid token is refused, and a bad password is refused either way")
    func refusals() throws {
        let token = Self.token(scope: "gateway.read:*/*")
        let localOnly = Authenticator(users: try Self.users())
        #expect(throws: LoginError.self) { try localOnly.authenticate(username: "alice", password: token) }

        let chain = Authenticator(users: try Self.users(), backends: [.local, .oauth], oauth: try Self.oauth())
        #expect(throws: LoginError("login refused for user 'bob': invalid credentials")) {
            try chain.authenticate(username: "bob", password: Array("wrong".utf8))
        }
        let forged = Self.token(scope: "gateway.read:*/*", kid: "no-such-key")
        #expect(throws: LoginError("token refused: token key id \"no-such-key\" is not in the JWKS")) {
            try chain.authenticate(username: "bob", password: forged)
        }
    }

    @Test("an unknown key id asks the key cache for a refresh")
    func unknownKeyRefreshes() throws {
        let loads = LoadCounter()
        let chain = Authenticator(users: UserStore(), backends: [.oauth], oauth: try Self.oauth(loads: loads))
        #expect(loads.value == 1)
        _ = try? chain.authenticate(username: "", password: Self.token(scope: "", kid: "rotated"))
        #expect(waitUntil { loads.value == 2 })
    }

    @Test("a token's scopes drive the authorizer: vhost access, each permission kind, topic globs on exchanges")
    func tokenAuthorizer() throws {
        let chain = Authenticator(users: try Self.users(), backends: [.oauth], oauth: try Self.oauth())
        let scope = "gateway.read:%2F/orders-* gateway.write:%2F/mqtt.*/sensors%2F* gateway.configure:%2F/orders-*"
        let principal = try chain.authenticate(username: "", password: Self.token(scope: scope))
        let store = try Self.users()

        #expect(!Authorizer(store: store, principal: principal, vhost: "other").hasVhostAccess)
        let authorizer = Authorizer(store: store, principal: principal, vhost: "/")
        #expect(authorizer.hasVhostAccess)
        #expect(authorizer.isAllowed(.read, resource: "orders-eu"))
        #expect(!authorizer.isAllowed(.read, resource: "payments"))
        #expect(authorizer.isAllowed(.configure, resource: "orders-eu"))
        #expect(authorizer.isAllowed(.write, resource: "mqtt.default"))
        #expect(!authorizer.isAllowed(.write, resource: "orders-eu"))
        #expect(authorizer.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "sensors/t1"))
        #expect(!authorizer.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "actuators/t1"))
        #expect(authorizer.isTopicAllowed(.write, exchange: "amq.topic", routingKey: "anything"))
    }

    @Test("renewing a token keeps the user, replaces the scopes, and refuses another user or a password login")
    func renew() throws {
        let chain = Authenticator(users: try Self.users(), backends: [.local, .oauth], oauth: try Self.oauth())
        let principal = try chain.authenticate(username: "", password: Self.token(scope: "gateway.read:%2F/a"))
        let authorizer = Authorizer(store: UserStore(), principal: principal, vhost: "/")
        #expect(!authorizer.isAllowed(.read, resource: "b"))

        let renewed = try chain.renew(principal, token: Self.token(scope: "gateway.read:%2F/b", lifetime: 1200))
        let before = authorizer.decisionRevision
        authorizer.renew(renewed)
        #expect(authorizer.decisionRevision != before, "decisions cached outside the authorizer must be dropped")
        #expect(authorizer.isAllowed(.read, resource: "b"))
        #expect(!authorizer.isAllowed(.read, resource: "a"))
        let first = try #require(principal.credential)
        #expect(renewed.deadline > first.deadline)

        #expect(throws: LoginError.self) {
            try chain.renew(principal, token: Self.token(sub: "mallory", scope: "gateway.read:*/*"))
        }
        let local = try chain.authenticate(username: "bob", password: Array("secret".utf8))
        #expect(throws: LoginError.self) { try chain.renew(local, token: Self.token(scope: "gateway.read:*/*")) }
    }
}
