/// A replication frame that breaks the protocol (unknown type, a length over the limit, a field that does not fit).
public struct ReplicationProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for the log line.
    public let message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
