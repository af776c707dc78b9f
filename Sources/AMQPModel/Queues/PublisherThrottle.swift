/// One connection's publisher flow control: the overloaded queues it published to, and since when it waits.
///
/// Owned by a connection and used only on its loop. When a publish lands in an overloaded queue the
/// connection stops reading its socket (so the client's sends block in TCP) and polls `shouldResume` every
/// `pollInterval` until every such queue drained below its low mark. A pause never lasts longer than
/// `maximumPause`: then the connection reads one more batch before it may pause again, so heartbeats and acks
/// still get through and two connections that each consume what the other publishes cannot deadlock.
public struct PublisherThrottle {
    /// The longest single pause, in nanoseconds of the loop clock.
    public static let maximumPause: UInt64 = 1_000_000_000
    /// How often a paused connection looks at its queues again.
    public static let pollInterval = Duration.milliseconds(1)

    private var queues: [Queue] = []
    private var since: UInt64 = 0

    public init() {}

    /// True while the connection is paused.
    public var isEngaged: Bool { !queues.isEmpty }

    /// True when the connection already waits for `queue`.
    public func isWaiting(on queue: Queue) -> Bool { queues.contains { $0 === queue } }

    /// Records that the connection published into `queue`, which is overloaded. Returns true when this starts
    /// a pause (the caller stops reading and starts polling).
    public mutating func engage(_ queue: Queue, now: UInt64) -> Bool {
        guard !isWaiting(on: queue) else { return false }
        queues.append(queue)
        guard queues.count == 1 else { return false }
        since = now
        return true
    }

    /// True when the pause is over (every queue drained, or `maximumPause` passed); the throttle is then reset.
    public mutating func shouldResume(now: UInt64) -> Bool {
        queues.removeAll { !$0.recheckOverload() }
        guard queues.isEmpty || now &- since >= Self.maximumPause else { return false }
        queues.removeAll()
        return true
    }
}
