import AMQPModel
import MQTTCodec
import Transport

/// Receives queue notifications for an MQTT session from any thread and hops to the connection's loop,
/// once per batch of assigned messages.
final class MQTTConsumerSink: QueueConsumer, @unchecked Sendable {
    private weak var connection: MQTTConnection?
    private let loop: EventLoop
    /// Made once: a closure and a weak reference per hand-off would be an allocation per message at low rates.
    private let drain: @Sendable () -> Void

    init(connection: MQTTConnection) {
        self.connection = connection
        self.loop = connection.eventLoop
        drain = { [weak connection] in connection?.requestDrain() }
    }

    func pendingAvailable(_ handle: ConsumerHandle) {
        loop.handOff(drain)
    }

    func queueDeleted(_ handle: ConsumerHandle) {
        loop.execute { [weak connection] in connection?.sessionQueueDeleted() }
    }
}
