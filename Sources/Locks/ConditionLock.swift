#if canImport(Glibc)
    import Glibc
#endif

/// A mutex guarding a value, with a condition variable to wait on it: for threads that block until another thread
/// changes the state (replication senders waiting for new changes, the sync thread waiting for follower acks).
///
/// Waits use `CLOCK_MONOTONIC` deadlines in milliseconds (`MonotonicClock.milliseconds()`'s scale), so a change of
/// the wall clock neither shortens nor stretches them.
public final class ConditionLock<State>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var state: State

    /// Creates a lock guarding `initial`.
    public init(_ initial: State) {
        state = initial
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the state.
    public func withLock<R, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Runs `body` with exclusive access to the state, then wakes every waiter so it re-checks its condition.
    public func withLockBroadcasting<R, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body(&state)
    }

    /// Waits until `body` returns a value (not nil) or the monotonic clock reaches `deadline` (milliseconds; nil:
    /// no deadline), re-running `body` under the lock after each wake-up. Returns the value, or nil at the deadline.
    public func wait<R>(until deadline: Int64?, _ body: (inout State) -> R?) -> R? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let value = body(&state) { return value }
            guard let deadline else {
                pthread_cond_wait(condition, mutex)
                continue
            }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let nowMilliseconds = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
            if nowMilliseconds >= deadline { return body(&state) }
            var until = timespec(tv_sec: Int(deadline / 1000), tv_nsec: Int(deadline % 1000) * 1_000_000)
            pthread_cond_timedwait(condition, mutex, &until)
        }
    }
}
