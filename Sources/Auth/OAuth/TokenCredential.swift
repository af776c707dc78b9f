import Clocks

/// A login by OAuth2 token: who the token names, what its scopes grant, and until when it is honoured.
public struct TokenCredential: Sendable, Equatable {
    /// The verified token (user name, `exp`, scopes as issued).
    public let token: VerifiedToken
    /// The permissions, topic permissions and tags its scopes grant.
    public let grants: OAuthGrants
    /// Unix seconds after which a connection using the token must be closed: `exp` plus the configured leeway,
    /// the same instant at which the verifier would start refusing the token.
    public let deadline: Int64

    /// Whole seconds from now until `deadline`; 0 once it has passed.
    public var secondsRemaining: Int64 { max(0, deadline - Int64(MonotonicClock.unixSeconds())) }

    public init(token: VerifiedToken, grants: OAuthGrants, deadline: Int64) {
        self.token = token
        self.grants = grants
        self.deadline = deadline
    }
}
