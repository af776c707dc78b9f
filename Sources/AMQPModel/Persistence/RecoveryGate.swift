import Locks

/// Holds back the expiry of messages recovered from disk until the broker has restored its whole topology.
///
/// A durable queue is restored before the exchanges and bindings its dead-letter exchange routes through may
/// be; expiring its recovered messages at once would dead-letter them into a half-built vhost and lose them.
/// Queues restored while the gate is closed wait here; `open` (after the definitions are loaded) expires them.
/// Queues restored later (a durable queue declared at run time) expire at once.
public final class RecoveryGate: Sendable {
    /// The queues waiting for the gate to open; nil once it is open.
    private let waiting = Lock<[Queue]?>([])

    /// A closed gate.
    public init() {}

    /// Expires `queue`'s recovered messages now if the gate is open, else when it opens.
    func expireWhenOpen(_ queue: Queue) {
        let deferred = waiting.withLock { w -> Bool in
            guard w != nil else { return false }
            w!.append(queue)
            return true
        }
        if !deferred { queue.expireHead() }
    }

    /// Opens the gate and expires what the queues restored so far hold. Idempotent.
    public func open() {
        let queues = waiting.withLock { w -> [Queue] in
            defer { w = nil }
            return w ?? []
        }
        for q in queues { q.expireHead() }
    }
}
