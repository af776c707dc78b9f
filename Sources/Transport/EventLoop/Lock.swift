import Synchronization

/// The runtime's mutual-exclusion primitive: a value guarded by a lock.
///
/// A thin wrapper so the implementation can be swapped in one place: `Synchronization.Mutex` uses a
/// priority-inheritance futex on this toolchain, which convoys under contention. The runtime keeps every
/// lock uncontended by design (an event loop's inbox is only locked to append a task or to swap the array out).
struct Lock<Value>: ~Copyable, Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with exclusive access to the guarded value.
    @inline(__always)
    borrowing func withLock<Result>(_ body: (inout sending Value) -> sending Result) -> sending Result {
        mutex.withLock(body)
    }
}
