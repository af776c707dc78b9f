/// Publisher flow control for one queue: whether publishers routing to it should be held back.
///
/// A queue is overloaded when its consumers do not keep up: it has at least one consumer and its ready
/// backlog reaches `highMessages` messages or `highBytes` body bytes. It stays overloaded until the backlog
/// falls to half of both (hysteresis, so publishers are not toggled per message) or its last consumer leaves.
/// A queue without consumers is storage, not a bottleneck: it never throttles (length limits and the memory
/// alarm bound it). This is RabbitMQ's credit flow in spirit: a publisher slows to what the queue delivers
/// instead of filling memory, which also leaves CPU to the consumers.
struct QueueFlow {
    /// Ready messages at which a queue with consumers becomes overloaded.
    static let highMessages = 65_536
    /// Ready body bytes at which a queue with consumers becomes overloaded.
    static let highBytes = 64 << 20

    private(set) var overloaded = false

    /// Called after a message was added; returns true when the queue just became overloaded.
    mutating func added(count: Int, bytes: Int, hasConsumers: Bool) -> Bool {
        guard !overloaded, hasConsumers, count >= Self.highMessages || bytes >= Self.highBytes else { return false }
        overloaded = true
        return true
    }

    /// Re-evaluates an overloaded queue; returns true when it just stopped being overloaded.
    mutating func recheck(count: Int, bytes: Int, hasConsumers: Bool, deleted: Bool) -> Bool {
        guard overloaded else { return false }
        guard deleted || !hasConsumers || (count <= Self.highMessages / 2 && bytes <= Self.highBytes / 2) else {
            return false
        }
        overloaded = false
        return true
    }
}
