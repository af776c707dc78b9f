import Storage

/// Why a replication connection ended: a socket error, the peer breaking the protocol, a refused handshake, or a
/// file that could not be read or written. One line for the log.
public struct ReplicationFailure: Error, Sendable, CustomStringConvertible {
    public let description: String

    /// A failure saying `description`.
    public init(description: String) {
        self.description = description
    }

    init(_ error: ReplicationProtocolError) { description = "protocol error: \(error.message)" }

    init(_ error: StorageError) { description = "\(error)" }
}
