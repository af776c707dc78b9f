#if canImport(Glibc)
import Glibc
#endif

/// A joinable POSIX thread running one closure: a load generator runs one blocking connection per thread.
///
/// Swift's structured concurrency is deliberately not used: publishers and consumers block in `send`/`recv`,
/// which would starve a cooperative pool the size of the core count.
struct WorkerThread {
    private let thread: pthread_t

    /// Starts a thread running `body`.
    /// - Throws: `PerfError.io` when the thread cannot be created.
    init(_ body: @escaping @Sendable () -> Void) throws(PerfError) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw .io("cannot start a thread: \(StandardError.describe(errno: rc))")
        }
        self.thread = thread
    }

    /// Waits for the thread to finish.
    func join() {
        _ = pthread_join(thread, nil)
    }

    private final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
