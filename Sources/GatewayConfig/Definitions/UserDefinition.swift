/// A user from a definitions file (`users[]`).
public struct UserDefinition: Sendable, Equatable {
    /// `name`.
    public var name: String
    /// `password_hash`: base64 of salt ‖ hash as RabbitMQ writes it, or a `$2b$` bcrypt string; kept verbatim
    /// (RabbitMQ writes "" for a user that cannot log in with a password).
    public var passwordHash: String?
    /// `password`: a plain-text password, which RabbitMQ does not export but which is accepted for hand-written files;
    /// the importer hashes it. When both are present the importer should prefer ``passwordHash``.
    public var password: String?
    /// `hashing_algorithm`, e.g. "rabbit_password_hashing_sha256", "rabbit_password_hashing_sha512",
    /// "rabbit_password_hashing_md5" or "lavinmq_bcrypt"; nil means RabbitMQ's default, SHA-256.
    public var hashingAlgorithm: String?
    /// `tags`, written either as a comma-separated string ("administrator,management") or an array of strings.
    public var tags: [String]

    public init(
        name: String, passwordHash: String? = nil, password: String? = nil, hashingAlgorithm: String? = nil,
        tags: [String] = []
    ) {
        self.name = name
        self.passwordHash = passwordHash
        self.password = password
        self.hashingAlgorithm = hashingAlgorithm
        self.tags = tags
    }
}
