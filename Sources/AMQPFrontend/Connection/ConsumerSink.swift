import AMQPModel
import Transport

/// Receives queue notifications for the consumers of one connection, from any thread, and hops to the
/// connection's loop. Only the empty -> non-empty transition of a consumer's pending list gets here,
/// so the hop is paid once per batch, not per message.
final class ConsumerSink: QueueConsumer, @unchecked Sendable {
    private weak var connection: AMQPConnection?
    private let loop: EventLoop

    init(connection: AMQPConnection) {
        self.connection = connection
        self.loop = connection.eventLoop
    }

    func pendingAvailable(_ handle: ConsumerHandle) {
        loop.handOff { [weak connection] in connection?.requestDrain(handle) }
    }

    func queueDeleted(_ handle: ConsumerHandle) {
        loop.execute { [weak connection] in connection?.consumerCancelledByBroker(handle) }
    }
}
