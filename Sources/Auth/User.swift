/// A broker user: name, stored password hash and tags.
public struct User: Sendable, Equatable {
    public var name: String
    /// The hash in the format `hashingAlgorithm` names; empty for a user who cannot log in with a password.
    public var passwordHash: String
    public var hashingAlgorithm: PasswordHashAlgorithm
    /// Tags in the order given, unknown ones included.
    public var tags: [String]

    public init(
        name: String, passwordHash: String, hashingAlgorithm: PasswordHashAlgorithm = .sha256, tags: [String] = []
    ) {
        self.name = name
        self.passwordHash = passwordHash
        self.hashingAlgorithm = hashingAlgorithm
        self.tags = tags
    }

    /// True when the user carries `t` (exact, case-sensitive, as RabbitMQ compares tags).
    public func hasTag(_ t: UserTag) -> Bool { tags.contains(t.rawValue) }
}
