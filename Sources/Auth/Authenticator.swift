/// The authentication chain (`[main] auth_backends`): each backend is tried in order until one accepts.
///
/// The local backend checks the user store's password hash; the oauth backend takes part only when the
/// password looks like a JWT (starts with `ey`), so ordinary passwords never reach the token verifier and
/// tokens never reach bcrypt. Shared by both frontends; thread-safe.
public final class Authenticator: Sendable {
    public let users: UserStore
    public let backends: [AuthBackend]
    /// Present when `backends` contains `.oauth`.
    public let oauth: OAuthBackend?

    /// A chain over `users`; `oauth` is required for (and only used with) the `.oauth` backend.
    public init(users: UserStore, backends: [AuthBackend] = [.local], oauth: OAuthBackend? = nil) {
        self.users = users
        self.backends = oauth == nil ? backends.filter { $0 != .oauth } : backends
        self.oauth = oauth
    }

    /// The principal `username`/`password` log in as, or why not. For a token login `username` is ignored
    /// (RabbitMQ does the same): the token names the user.
    public func authenticate(username: String, password: [UInt8]) throws(LoginError) -> Principal {
        var tokenRefusal: OAuthError?
        for backend in backends {
            switch backend {
            case .local:
                if let user = users.authenticate(username: username, password: password) {
                    return Principal(user: user)
                }
            case .oauth:
                guard let oauth, OAuthBackend.looksLikeToken(password) else { continue }
                do { return Principal(credential: try oauth.verify(token: password)) } catch {
                    tokenRefusal = error
                }
            }
        }
        if let tokenRefusal { throw LoginError("token refused: \(tokenRefusal.message)") }
        throw LoginError("login refused for user '\(username)': invalid credentials")
    }

    /// The credential a new token (AMQP `connection.update-secret`) carries for a connection logged in as
    /// `principal`, or why it is refused: the connection must have logged in with a token, and the new one must
    /// verify and name the same user.
    public func renew(_ principal: Principal, token: [UInt8]) throws(LoginError) -> TokenCredential {
        guard principal.credential != nil, let oauth else {
            throw LoginError("user '\(principal.user.name)' did not log in with a token; there is no secret to update")
        }
        let credential: TokenCredential
        do { credential = try oauth.verify(token: token) } catch {
            throw LoginError("new token for user '\(principal.user.name)' refused: \(error.message)")
        }
        guard credential.token.username == principal.user.name else {
            throw LoginError(
                "new token names user '\(credential.token.username)', the connection is user '\(principal.user.name)'")
        }
        return credential
    }
}
