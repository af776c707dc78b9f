import Glibc
import Locks
import Synchronization

/// A fixed set of event loops, one thread each (the broker uses one per core).
///
/// New connections are spread over the loops round-robin with `next()`. Nothing here installs signal handlers:
/// sockets are written with `MSG_NOSIGNAL`, so a peer that went away surfaces as `EPIPE`, never as `SIGPIPE`.
public final class EventLoopGroup: Sendable {
    /// The loops, in thread order.
    public let loops: [EventLoop]
    private let threads: [NamedThread]
    private let counter = Atomic<UInt>(0)
    private let isShutDown = Atomic<Bool>(false)

    /// Creates `threads` loops and starts a thread running each one.
    public init(threads: Int) throws(TransportError) {
        precondition(threads > 0, "EventLoopGroup needs at least one thread")
        var loops: [EventLoop] = []
        for index in 0..<threads {
            loops.append(try EventLoop(index: index))
        }
        var started: [NamedThread] = []
        for loop in loops {
            do {
                started.append(try loop.startThread())
            } catch {
                for (running, thread) in zip(loops, started) {
                    running.requestStop()
                    thread.join()
                }
                throw error
            }
        }
        self.loops = loops
        self.threads = started
    }

    /// The next loop in round-robin order. Callable from any thread.
    public func next() -> EventLoop {
        let n = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[Int(n % UInt(loops.count))]
    }

    /// Stops every loop and waits for its thread to exit. Callable once or many times, from any thread but a loop thread.
    ///
    /// Each loop first runs the tasks already submitted to it, then closes its listeners and connections
    /// (handlers get `connectionClosed`) and drops its timers. Only the first call waits for the threads.
    public func shutdown() {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        precondition(!loops.contains { $0.inEventLoop }, "EventLoopGroup.shutdown called on one of its own loops")
        for loop in loops { loop.requestStop() }
        for thread in threads { thread.join() }
    }
}
