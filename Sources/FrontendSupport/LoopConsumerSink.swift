import AMQPModel
import Transport

/// The `QueueConsumer` of every consumer of one connection, AMQP or MQTT: receives queue notifications on any
/// thread and moves them to the connection's loop. Only the empty → non-empty transition of a consumer's pending
/// list gets here, so the hop is paid once per batch, not per message; it goes through `EventLoop.handOff`, which
/// runs it on the notifying thread when the consumer's loop is parked, instead of waking that loop.
public final class LoopConsumerSink<Target: LoopConsumer>: QueueConsumer, @unchecked Sendable {
    private weak var target: Target?
    private let loop: EventLoop

    /// A sink delivering to `target`, which lives on `loop`.
    public init(target: Target, loop: EventLoop) {
        self.target = target
        self.loop = loop
    }

    public func pendingAvailable(_ handle: ConsumerHandle) {
        loop.handOff { [weak target] in target?.pendingAvailable(for: handle) }
    }

    public func queueDeleted(_ handle: ConsumerHandle) {
        loop.execute { [weak target] in target?.queueDeleted(under: handle) }
    }
}
