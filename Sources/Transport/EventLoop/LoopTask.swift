/// An object with work to run on an event loop, scheduled without allocating a closure: `EventLoop.handOff(_:_:)`,
/// `runAtEndOfTurn(_:)` and `execute(_:)` take the object itself, which the loop holds strongly until the work ran.
/// The per-message path (a queue announcing deliveries to a consumer on another loop, the consumer's end-of-turn
/// drain, the window release after the flush) runs on these, so a message costs no allocation in the loop.
public protocol LoopTask: AnyObject, Sendable {
    /// Runs the work that was scheduled as `event`, on the loop thread.
    func runLoopTask(_ event: LoopTaskEvent)
}

/// How a `LoopTask` was scheduled.
public enum LoopTaskEvent: Sendable {
    /// `EventLoop.handOff(_:_:)`, with the object given there.
    case handedOff(any AnyObject & Sendable)
    /// `EventLoop.runAtEndOfTurn(_:)`.
    case endOfTurn
    /// `EventLoop.execute(_:)`.
    case executed
}

/// One unit of work queued on a loop: a closure, or a task object with its event.
///
/// Sendable by construction: the loop only queues closures that may cross threads (`execute`, `handOff`) where
/// another thread can see them, and non-Sendable ones (`runAtEndOfTurn`, `enqueue`) only on its own thread.
enum LoopWork: @unchecked Sendable {
    case closure(() -> Void)
    case task(any LoopTask, LoopTaskEvent)

    @inline(__always)
    func run() {
        switch self {
        case .closure(let body): body()
        case .task(let task, let event): task.runLoopTask(event)
        }
    }
}
