/// One link of the authentication chain (`[main] auth_backends`).
public enum AuthBackend: String, Sendable, CaseIterable {
    /// Users and password hashes in the broker's `UserStore`.
    case local
    /// OAuth2 access tokens (JWTs) presented as the password.
    case oauth
}
