/// The `[oauth]` settings that decide which tokens are accepted and how their scopes become permissions.
///
/// Immutable once built; one value is shared by every connection. Field names follow RabbitMQ's
/// `auth_oauth2.*` settings so configurations carry over.
public struct OAuthConfiguration: Sendable, Equatable {
    /// Required value of the `iss` claim; nil accepts any issuer (not recommended outside tests).
    public var issuer: String?
    /// A value `aud` must contain when `verifyAudience` is on (besides `resourceServerId`).
    public var audience: String?
    /// This broker's identifier at the authorization server: accepted in `aud`, and `<id>.` is the scope
    /// prefix when `scopePrefix` is nil.
    public var resourceServerId: String?
    /// Prefix every scope must carry to be considered (stripped before parsing); nil means
    /// `<resourceServerId>.`, or no prefix when that is nil too.
    public var scopePrefix: String?
    /// Claims tried in order for the user name; the first present non-empty string wins. Default `sub`, `client_id`.
    public var preferredUsernameClaims: [String]
    /// Check `aud` against `audience`/`resourceServerId`. Default on.
    public var verifyAudience: Bool
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default 60.
    public var leewaySeconds: Int64

    public init(
        issuer: String? = nil, audience: String? = nil, resourceServerId: String? = nil, scopePrefix: String? = nil,
        preferredUsernameClaims: [String] = ["sub", "client_id"], verifyAudience: Bool = true, leewaySeconds: Int64 = 60
    ) {
        self.issuer = issuer
        self.audience = audience
        self.resourceServerId = resourceServerId
        self.scopePrefix = scopePrefix
        self.preferredUsernameClaims = preferredUsernameClaims
        self.verifyAudience = verifyAudience
        self.leewaySeconds = leewaySeconds
    }

    /// The prefix scopes must start with: `scopePrefix`, else `<resourceServerId>.`, else empty.
    public var effectiveScopePrefix: String {
        if let scopePrefix { return scopePrefix }
        if let resourceServerId { return resourceServerId + "." }
        return ""
    }
}
