import AMQPValues
import Testing

@testable import Auth

@Suite("OAuth scopes to permissions")
struct OAuthGrantsTests {
    static let config = OAuthConfiguration(resourceServerId: "gateway")

    @Test(
        "scope table: prefix stripping, vhost globs, URL-decoding, OR of scopes, unprefixed ignored",
        arguments: [
            // (scopes, vhost, expected permissions or nil for no vhost access)
            (["gateway.read:*/*"], "/", Permissions(configure: "", write: "", read: "^.*$")),
            (["read:*/*"], "/", nil),
            (["other.read:*/*"], "/", nil),
            (
                ["gateway.configure:%2F/q1", "gateway.configure:%2F/q2"], "/",
                Permissions(configure: "^(?:q1|q2)$", write: "", read: "")
            ),
            (
                ["gateway.write:prod-*/amq.topic"], "prod-eu",
                Permissions(configure: "", write: "^amq\\.topic$", read: "")
            ),
            (["gateway.write:prod-*/amq.topic"], "staging", nil),
            (
                ["gateway.read:v/mqtt-subscription-*"], "v",
                Permissions(configure: "", write: "", read: "^mqtt\\-subscription\\-.*$")
            ),
            (["gateway.read:my%20vhost/a%2Fb"], "my vhost", Permissions(configure: "", write: "", read: "^a\\/b$")),
            (["gateway.read:v/q", "gateway.read:v/q"], "v", Permissions(configure: "", write: "", read: "^q$")),
            (
                ["gateway.write:v/x/rk.*", "gateway.read:v/q"], "v",
                Permissions(configure: "", write: "^x$", read: "^q$")
            ),
            (
                [
                    "gateway.read:v/q/r/extra", "gateway.delete:v/q", "gateway.read:v", "gateway.read:v/%zz",
                    "gateway.read:/q",
                ],
                "v", nil
            ),
        ] as [([String], String, Permissions?)])
    func scopeTable(scopes: [String], vhost: String, expected: Permissions?) {
        #expect(OAuthGrants(scopes: scopes, configuration: Self.config).permissions(vhost: vhost) == expected)
    }

    @Test("scope_prefix replaces the resource server id prefix; no prefix at all takes every scope")
    func prefixes() {
        let custom = OAuthConfiguration(resourceServerId: "gateway", scopePrefix: "mq/")
        let grants = OAuthGrants(scopes: ["mq/read:v/q", "gateway.write:v/x"], configuration: custom)
        #expect(grants.permissions(vhost: "v") == Permissions(configure: "", write: "", read: "^q$"))
        let bare = OAuthGrants(scopes: ["write:v/x", "tag:management"], configuration: OAuthConfiguration())
        #expect(bare.permissions(vhost: "v") == Permissions(configure: "", write: "^x$", read: ""))
        #expect(bare.tags == ["management"])
    }

    @Test("tag scopes become tags, in order without repeats; unprefixed tags ignored")
    func tags() {
        let grants = OAuthGrants(
            scopes: [
                "gateway.tag:monitoring", "tag:administrator", "gateway.tag:management", "gateway.tag:monitoring",
            ],
            configuration: Self.config)
        #expect(grants.tags == ["monitoring", "management"])
        #expect(grants.permissions(vhost: "/") == nil)
    }

    @Test("routing-key part becomes a topic permission on the matching exchanges")
    func topicPermissions() {
        let grants = OAuthGrants(
            scopes: [
                "gateway.write:v/amq.topic/sensors.*", "gateway.write:v/amq.topic/alerts.*",
                "gateway.read:v/amq.topic/sensors.%23", "gateway.write:v/logs", "gateway.read:*/ev-*/a",
            ],
            configuration: Self.config)
        let expected = TopicPermissions(
            exchange: "amq.topic", write: "^(?:sensors\\..*|alerts\\..*)$", read: "^sensors\\.\\#$")
        #expect(grants.topicPermissions(vhost: "v", exchange: "amq.topic") == expected)
        #expect(grants.topicPermissions(vhost: "v", exchange: "logs") == nil)
        #expect(
            grants.topicPermissions(vhost: "v", exchange: "ev-1")
                == TopicPermissions(exchange: "ev-1", write: "", read: "^a$"))
        #expect(
            grants.topicPermissions(vhost: "v") == [
                expected, TopicPermissions(exchange: "ev-*", write: "", read: "^a$"),
            ])
        #expect(grants.topicPermissions(vhost: "w", exchange: "amq.topic") == nil)
    }

    @Test("a name with punctuation before a combining mark compiles and matches only itself (fuzz finding)")
    func combiningMarkAfterPunctuation() throws {
        // libFuzzer found `gateway.read:*/'\u{64B}`: `'` + U+064B escaped as `\'` + U+064B is one Character that
        // Regex rejected as an invalid escape, so the whole read permission failed to compile.
        let name = "'\u{64B}"
        let grants = OAuthGrants(scopes: ["gateway.read:*/" + name], configuration: Self.config)
        let permissions = try #require(grants.permissions(vhost: "/"))
        #expect(permissions.read == "^\\'\\u{64B}$")
        let grant = try PermissionGrant(permissions)
        #expect(grant.read.matches(name))
        #expect(!grant.read.matches("'"))
        #expect(!grant.read.matches("\u{64B}"))
    }

    @Test("a run of * in a glob is one .*, so a failed match does not backtrack exponentially (fuzz finding)")
    func starRuns() throws {
        // libFuzzer found a scope with ~100 consecutive `*`s: its `.*.*…` pattern hung the first failed match.
        let glob = "eat" + String(repeating: "*", count: 100) + "x"
        #expect(OAuthScopeRule.regex(anyOf: [glob]) == "^eat.*x$")
        #expect(OAuthScopeRule.regex(anyOf: ["**", "a**", "**b"]) == "^(?:.*|a.*|.*b)$")
        let grants = OAuthGrants(scopes: ["gateway.write:v/" + glob], configuration: Self.config)
        let grant = try PermissionGrant(try #require(grants.permissions(vhost: "v")))
        #expect(!grant.write.matches("eat" + String(repeating: "y", count: 255)))
        #expect(grant.write.matches("eat-x"))
    }

    @Test("granted permissions behave in the Authorizer exactly as scoped; everything else denied")
    func throughAuthorizer() throws {
        let grants = OAuthGrants(
            scopes: [
                "gateway.configure:%2F/mqtt-*", "gateway.write:%2F/amq.topic/sensors.*", "gateway.read:%2F/mqtt-*",
                "gateway.read:%2F/amq.topic/sensors.*",
            ],
            configuration: Self.config)
        let store = UserStore()
        let user = User(name: "token-user", passwordHash: "")
        store.put(user)
        try store.setPermissions(user: user.name, vhost: "/", try #require(grants.permissions(vhost: "/")))
        for topic in grants.topicPermissions(vhost: "/") {
            try store.setTopicPermissions(user: user.name, vhost: "/", topic)
        }
        let auth = Authorizer(store: store, user: user, vhost: "/")
        #expect(auth.isAllowed(.configure, resource: ByteString("mqtt-subscription-c1")))
        #expect(!auth.isAllowed(.configure, resource: ByteString("other")))
        #expect(!auth.isAllowed(.configure, resource: ByteString("xmqtt-q")))
        #expect(auth.isAllowed(.write, resource: ByteString("amq.topic")))
        #expect(!auth.isAllowed(.write, resource: ByteString("amq.direct")))
        #expect(auth.isTopicAllowed(.write, exchange: ByteString("amq.topic"), routingKey: ByteString("sensors.t1")))
        #expect(!auth.isTopicAllowed(.write, exchange: ByteString("amq.topic"), routingKey: ByteString("alerts.t1")))
        #expect(auth.isTopicAllowed(.read, exchange: ByteString("amq.topic"), routingKey: ByteString("sensors.#")))
        #expect(!auth.isTopicAllowed(.read, exchange: ByteString("amq.topic"), routingKey: ByteString("#")))
    }
}
