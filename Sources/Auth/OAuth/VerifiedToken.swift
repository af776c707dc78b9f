/// What a verified JWT tells the broker: who, until when, and with which scopes.
public struct VerifiedToken: Sendable, Equatable {
    /// The first present claim of `OAuthConfiguration.preferredUsernameClaims`.
    public let username: String
    /// The `exp` claim (unix seconds): a connection authenticated with the token must be closed (MQTT) or
    /// refreshed (AMQP `connection.update-secret`) by then.
    public let expiresAt: Int64
    /// The scopes as issued (prefix not stripped), from `scope` (space-separated string or array) and `scp`.
    public let scopes: [String]

    public init(username: String, expiresAt: Int64, scopes: [String]) {
        self.username = username
        self.expiresAt = expiresAt
        self.scopes = scopes
    }
}
