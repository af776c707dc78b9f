import AMQPModel
import MQTTCodec
import Transport

/// Receives queue notifications for an MQTT session from any thread and hops to the connection's loop,
/// once per batch of assigned messages.
final class MQTTConsumerSink: QueueConsumer, @unchecked Sendable {
    private weak var connection: MQTTConnection?
    private let loop: EventLoop

    init(connection: MQTTConnection) {
        self.connection = connection
        self.loop = connection.eventLoop
    }

    func pendingAvailable(_ handle: ConsumerHandle) {
        loop.execute { [weak connection] in connection?.requestDrain() }
    }

    func queueDeleted(_ handle: ConsumerHandle) {
        loop.execute { [weak connection] in connection?.sessionQueueDeleted() }
    }
}
