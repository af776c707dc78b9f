import AMQPModel
import Transport

extension SyncCoordinator {
    /// Whether `generation` is durable in `coordinator`: true synced, false failed, nil not yet. Without a
    /// coordinator (no storage) nothing is ever written, so everything is as durable as it gets: true.
    public static func outcome(_ generation: UInt64, in coordinator: SyncCoordinator?) -> Bool? {
        guard let coordinator else { return true }
        return coordinator.outcome(generation)
    }

    /// Runs `body` on `loop` once `generation` is durable or failed (the acknowledgements waiting for it can be
    /// flushed there).
    public func whenDurable(_ generation: UInt64, on loop: EventLoop, _ body: @escaping @Sendable () -> Void) {
        whenDurable(generation) { _ in loop.execute(body) }
    }
}
