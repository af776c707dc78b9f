/// The permissions, topic permissions and tags a token's scopes grant, in RabbitMQ/LavinMQ scope format.
///
/// Scopes are considered only when they start with the configured prefix (`scopePrefix`, else
/// `<resourceServerId>.`), which is stripped; the rest is either `tag:<tag>` or a permission scope
/// `<configure|write|read>:<vhost>/<name-glob>[/<routing-key-glob>]` (see `OAuthScopeRule`). Anything else is
/// ignored, and anything not granted is denied: the result feeds the same `Permissions`/`TopicPermissions`
/// semantics as local users, with globs turned into anchored regular expressions and several scopes of one
/// kind OR-ed into one alternation.
///
/// The routing-key part becomes a topic permission on the exchanges the name glob matches: `write` scopes
/// restrict publish routing keys, `read` scopes restrict binding keys. A write or read scope without a
/// routing-key part allows any routing key on its exchanges.
public struct OAuthGrants: Sendable, Equatable {
    /// The `tag:` scopes, in token order without repeats (`administrator`, `management`, …).
    public let tags: [String]
    let rules: [OAuthScopeRule]

    /// The grants of `scopes` (as `VerifiedToken.scopes` returns them) under `configuration`'s scope prefix.
    public init(scopes: [String], configuration: OAuthConfiguration) {
        let prefix = configuration.effectiveScopePrefix
        var tags: [String] = []
        var rules: [OAuthScopeRule] = []
        for scope in scopes where scope.hasPrefix(prefix) {
            let body = scope.dropFirst(prefix.count)
            if body.hasPrefix("tag:") {
                let tag = String(body.dropFirst(4))
                if !tag.isEmpty, !tags.contains(tag) { tags.append(tag) }
            } else if let rule = OAuthScopeRule(body) {
                rules.append(rule)
            }
        }
        self.tags = tags
        self.rules = rules
    }

    /// The vhost permissions for `vhost`, or nil when no scope's vhost glob matches it (no access to the vhost,
    /// as for a local user without a permissions entry). A kind no matching scope grants is `""` (deny).
    public func permissions(vhost: String) -> Permissions? {
        let matching = rules.filter { OAuthScopeRule.globMatches($0.vhost, vhost) }
        guard !matching.isEmpty else { return nil }
        func regex(_ kind: PermissionKind) -> String {
            OAuthScopeRule.regex(anyOf: matching.filter { $0.kind == kind }.map(\.name))
        }
        return Permissions(configure: regex(.configure), write: regex(.write), read: regex(.read))
    }

    /// The topic permission on `exchange` of `vhost`, or nil when no write/read scope for that exchange has a
    /// routing-key part (no topic restriction). A direction no scope grants is `""` (deny).
    public func topicPermissions(vhost: String, exchange: String) -> TopicPermissions? {
        let matching = rules.filter {
            $0.kind != .configure && OAuthScopeRule.globMatches($0.vhost, vhost)
                && OAuthScopeRule.globMatches($0.name, exchange)
        }
        return Self.topicPermissions(exchange: exchange, rules: matching)
    }

    /// The topic permissions of `vhost`, one per distinct name glob that carries a routing-key part, with
    /// `exchange` set to that glob (URL-decoded). For a glob without `*` that is the exchange's exact name, the
    /// form `UserStore.setTopicPermissions` keys on; `topicPermissions(vhost:exchange:)` resolves globs.
    public func topicPermissions(vhost: String) -> [TopicPermissions] {
        let matching = rules.filter { $0.kind != .configure && OAuthScopeRule.globMatches($0.vhost, vhost) }
        var names: [String] = []
        for rule in matching where !names.contains(rule.name) { names.append(rule.name) }
        return names.compactMap { name in
            Self.topicPermissions(exchange: name, rules: matching.filter { $0.name == name })
        }
    }

    private static func topicPermissions(exchange: String, rules: [OAuthScopeRule]) -> TopicPermissions? {
        guard rules.contains(where: { $0.routingKey != nil }) else { return nil }
        func regex(_ kind: PermissionKind) -> String {
            OAuthScopeRule.regex(anyOf: rules.filter { $0.kind == kind }.map { $0.routingKey ?? "*" })
        }
        return TopicPermissions(exchange: exchange, write: regex(.write), read: regex(.read))
    }
}
