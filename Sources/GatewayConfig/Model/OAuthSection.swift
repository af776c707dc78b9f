/// The `[oauth]` section: how JWTs are validated by the "oauth" authentication backend.
public struct OAuthSection: Sendable, Equatable {
    /// `issuer`: the expected `iss` claim (and the base URL for OpenID discovery when ``jwks`` is unset).
    public var issuer: String?
    /// `audience`: the expected `aud` claim; nil means ``resourceServerId``.
    public var audience: String?
    /// `resource_server_id`: the prefix of scopes that grant permissions (RabbitMQ's `resource_server_id`).
    public var resourceServerId: String?
    /// `scope_prefix`: overrides the scope prefix derived from ``resourceServerId``.
    public var scopePrefix: String?
    /// `preferred_username_claims`: claims tried in order for the username.
    public var preferredUsernameClaims: [String] = ["sub", "client_id"]
    /// `verify_aud`: reject tokens whose `aud` does not contain the expected audience.
    public var verifyAud: Bool = true
    /// `jwks`: a JWKS file path or URL with the signing keys.
    public var jwks: String?
    /// `jwks_cache_ttl`: seconds a fetched JWKS is reused before it is fetched again.
    public var jwksCacheTtl: Int = 3600
    /// `jwks_ca_cert`: a PEM CA bundle to verify an `https` JWKS or discovery URL; nil means the system CAs.
    public var jwksCaCert: String?
    /// `leeway`: seconds of clock skew tolerated on `exp`, `nbf` and `iat`; a token connection is closed at
    /// `exp` plus this.
    public var leeway: Int = 60

    /// The defaults.
    public init() {}
}
