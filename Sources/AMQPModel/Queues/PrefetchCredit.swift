import Synchronization

/// How many more unacknowledged messages a consumer (or a whole channel) may receive.
///
/// Atomic because a channel-wide limit is shared by consumers of queues on other threads.
public final class PrefetchCredit: Sendable {
    private let limit: Atomic<Int>
    private let inUse = Atomic<Int>(0)

    /// A credit of `limit` messages; 0 means unlimited.
    public init(limit: Int) {
        self.limit = Atomic(limit)
    }

    /// Changes the limit (basic.qos on a channel with consumers); 0 means unlimited.
    public func setLimit(_ newLimit: Int) {
        limit.store(newLimit, ordering: .relaxed)
    }

    /// Takes one unit if below the limit.
    public func tryAcquire() -> Bool {
        let max = limit.load(ordering: .relaxed)
        if max == 0 {
            inUse.add(1, ordering: .relaxed)
            return true
        }
        var current = inUse.load(ordering: .relaxed)
        while current < max {
            let (exchanged, original) = inUse.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// True when at least one unit is free.
    public var hasCredit: Bool {
        let max = limit.load(ordering: .relaxed)
        return max == 0 || inUse.load(ordering: .relaxed) < max
    }

    /// Returns `count` units (acked, rejected or requeued messages).
    public func release(_ count: Int = 1) {
        inUse.subtract(count, ordering: .relaxed)
    }
}
