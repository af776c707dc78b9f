/// A message's place in one queue: the shared message plus this queue's per-copy state.
public struct QueueEntry: Sendable {
    /// The shared message.
    public let message: Message
    /// Position in the queue's publish order (used to put requeued messages back in order).
    public let sequence: UInt64
    /// Monotonic milliseconds after which the entry is dead, or `Int64.max`.
    public let expiresAt: Int64
    /// True once it has been delivered and returned to the queue.
    public var redelivered: Bool

    /// Creates an entry.
    public init(message: Message, sequence: UInt64, expiresAt: Int64, redelivered: Bool = false) {
        self.message = message
        self.sequence = sequence
        self.expiresAt = expiresAt
        self.redelivered = redelivered
    }
}
