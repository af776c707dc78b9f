/// Who a connection logged in as: a local user, or the user a verified OAuth2 token names.
public struct Principal: Sendable, Equatable {
    /// The local user, or for a token login a user that exists only for this connection: the token's user
    /// name, its `tag:` scopes as tags, and no password.
    public let user: User
    /// The token, for a token login; nil for a local user.
    public let credential: TokenCredential?

    /// A local user's login.
    public init(user: User) {
        self.user = user
        credential = nil
    }

    /// A token login.
    public init(credential: TokenCredential) {
        user = User(name: credential.token.username, passwordHash: "", tags: credential.grants.tags)
        self.credential = credential
    }
}
