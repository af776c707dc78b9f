import Dispatch
import Locks
import Transport

/// Reads state that lives on event loops from another thread: the management plane's statistics are plain fields
/// of connections and channels, written by their loop without a lock or atomic, so they are read by a task on that
/// loop ("per-loop counters summed on read").
public enum LoopHarvest {
    /// Runs `read` on each of `loops` and returns what the loops answered within `timeout` (a loop stuck in a long
    /// turn is left out rather than stalling the caller). On the calling thread's own loop it runs inline.
    public static func collect<R: Sendable>(
        on loops: [EventLoop], timeout: Duration = .seconds(1), _ read: @escaping @Sendable (EventLoop) -> R
    ) -> [R] {
        let results = Lock<[R]>([])
        let done = DispatchSemaphore(value: 0)
        var waiting = 0
        for loop in loops {
            if loop.inEventLoop {
                let r = read(loop)
                results.withLock { $0.append(r) }
                continue
            }
            waiting += 1
            loop.execute {
                let r = read(loop)
                results.withLock { $0.append(r) }
                done.signal()
            }
        }
        let (seconds, attoseconds) = timeout.components
        let deadline = DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        for _ in 0..<waiting where done.wait(timeout: deadline) == .timedOut { break }
        return results.withLock { $0 }
    }

    /// The distinct loops among `loops`, in first-seen order.
    public static func distinct(_ loops: some Sequence<EventLoop>) -> [EventLoop] {
        var seen = Set<ObjectIdentifier>()
        return loops.filter { seen.insert(ObjectIdentifier($0)).inserted }
    }
}
