/// Errors from the user store: a permission regex that does not compile, or an unknown user.
public struct AuthError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, for mapping to a protocol reply (400 for a pattern, 404 for a user).
    public enum Kind: Sendable, Equatable {
        case invalidPattern
        case noSuchUser
    }

    public let kind: Kind
    /// A sentence a user can act on, naming the offending pattern or user.
    public let message: String

    public var description: String { message }

    static func invalidPattern(_ pattern: String, field: String, reason: String) -> AuthError {
        AuthError(kind: .invalidPattern, message: "invalid \(field) regular expression \"\(pattern)\": \(reason)")
    }

    static func noSuchUser(_ name: String) -> AuthError {
        AuthError(kind: .noSuchUser, message: "no such user \"\(name)\"")
    }
}
