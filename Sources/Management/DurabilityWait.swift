import Locks

#if canImport(Glibc)
    import Glibc
#endif

/// A one-shot wait for a sync outcome on the management thread.
final class DurabilityWait: @unchecked Sendable {
    private let semaphore: UnsafeMutablePointer<sem_t>
    private let outcome = Lock(false)

    init() {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Called once with the outcome, from any thread.
    func finish(_ durable: Bool) {
        outcome.withLock { $0 = durable }
        sem_post(semaphore)
    }

    /// Blocks until `finish`; returns its outcome.
    func wait() -> Bool {
        while sem_wait(semaphore) != 0 {}
        return outcome.withLock { $0 }
    }
}
