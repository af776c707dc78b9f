/// How a stored password hash was made.
///
/// The raw values are the `hashing_algorithm` names RabbitMQ and LavinMQ write in definitions files,
/// so users exported from either import unchanged.
public enum PasswordHashAlgorithm: String, Sendable {
    /// `base64(salt ‖ SHA-256(salt ‖ password))`, RabbitMQ's default.
    case sha256 = "rabbit_password_hashing_sha256"
    /// `base64(salt ‖ SHA-512(salt ‖ password))`.
    case sha512 = "rabbit_password_hashing_sha512"
    /// `base64(salt ‖ MD5(salt ‖ password))`, kept for old RabbitMQ definitions.
    case md5 = "rabbit_password_hashing_md5"
    /// A modular-crypt bcrypt string (`$2b$10$…`), LavinMQ's format.
    case bcrypt = "lavinmq_bcrypt"
}
