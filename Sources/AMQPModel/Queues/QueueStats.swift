/// A queue's message counters since it was created (RabbitMQ's `message_stats`). Kept in the queue's state under
/// the lock every one of these operations takes anyway, so counting costs no lock or atomic of its own; the
/// management plane sums and samples them on read.
public struct QueueStats: Sendable, Equatable {
    /// Messages that entered the queue.
    public var published = 0
    /// Messages handed to a consumer or to basic.get.
    public var delivered = 0
    /// Of those, messages delivered again (after a requeue or a restart).
    public var redelivered = 0
    /// Deliveries acknowledged (or settled at once: no-ack, MQTT QoS 0).
    public var acknowledged = 0
    /// Messages that left without being delivered: expired, dropped by max-length, rejected without requeue.
    public var dropped = 0

    public init() {}

    /// The counters of `self` and `other` added together.
    public static func + (a: QueueStats, b: QueueStats) -> QueueStats {
        var s = a
        s.published += b.published
        s.delivered += b.delivered
        s.redelivered += b.redelivered
        s.acknowledged += b.acknowledged
        s.dropped += b.dropped
        return s
    }
}
