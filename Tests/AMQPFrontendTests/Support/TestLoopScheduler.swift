import AMQPModel
import Transport

/// Runs the core's delayed work on an event loop's timers, as the gateway's own wiring does.
struct TestLoopScheduler: BrokerScheduler {
    let loop: EventLoop

    func schedule(afterMilliseconds milliseconds: Int64, _ body: @escaping @Sendable () -> Void) {
        let loop = self.loop
        loop.execute { loop.scheduleTimer(after: .milliseconds(max(0, milliseconds)), body) }
    }
}
