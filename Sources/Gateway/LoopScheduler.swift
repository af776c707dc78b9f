import AMQPModel
import Transport

/// Runs the core's delayed work (TTL expiry, x-expires) on one event loop's timers.
struct LoopScheduler: BrokerScheduler {
    let loop: EventLoop

    func schedule(afterMilliseconds milliseconds: Int64, _ body: @escaping @Sendable () -> Void) {
        let loop = self.loop
        loop.execute {
            loop.scheduleTimer(after: .milliseconds(max(0, milliseconds)), body)
        }
    }
}
