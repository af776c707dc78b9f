#if canImport(Glibc)
    import Glibc
#endif

/// A mutex guarding a value, built on a plain (non priority-inheriting) pthread mutex.
///
/// `Synchronization.Mutex` on this toolchain uses a priority-inheritance futex that convoys under
/// contention (design §9); every lock in the core goes through this one type so the primitive can be swapped.
public final class Lock<State>: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var state: State

    /// Creates a lock guarding `initial`.
    public init(_ initial: State) {
        state = initial
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the state.
    @inlinable public func withLock<R, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}
