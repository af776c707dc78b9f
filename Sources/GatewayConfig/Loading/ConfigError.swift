/// A configuration problem that stops the broker from starting: an unreadable file, a malformed line, a bad value,
/// an unknown section, an unknown flag, or broken definitions JSON.
///
/// The message always starts with where the problem is (`file:line`, the flag, the environment variable or the
/// JSON path) so that the user can go straight to it, e.g. `gateway.ini:12: unknown section [foo]`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The complete, user-facing message.
    public let message: String

    /// An error with the given user-facing message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
