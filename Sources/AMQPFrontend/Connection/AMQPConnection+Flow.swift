import AMQPModel
import AMQPWire
import FrontendSupport
import Transport

/// Publisher flow control (`PublisherFlow`): what is AMQP's in it is RabbitMQ's connection.blocked /
/// connection.unblocked, sent to clients that announced the capability.
extension AMQPConnection: PublisherFlowHost {
    var acceptsPublishes: Bool { phase == .open || phase == .closing }

    /// Queues this connection also consumes from are never throttled: their acks arrive on this very socket.
    func consumes(from queue: Queue) -> Bool {
        channels.values.contains { $0.consumes(from: queue) }
    }

    func publishingBlocked(by cause: ResourceAlarm.Cause, alarm: ResourceAlarm) {
        let why =
            switch cause {
            case .disk: "free disk space below free_disk_min"
            case .memory:
                "messages hold \(alarm.liveBytes) bytes, above max_message_memory \(alarm.highWatermark)"
            }
        logger.warning("connection \(id) (\(name)) blocked: \(why)")
        if capabilities.connectionBlocked && phase == .open {
            send(
                .connectionBlocked(ConnectionBlocked(reason: cause == .disk ? "low on disk" : "low on memory")),
                channel: 0)
        }
    }

    func publishingUnblocked() {
        lastReadAt = eventLoop.now
        if capabilities.connectionBlocked && phase == .open {
            send(.connectionUnblocked(ConnectionUnblocked()), channel: 0)
        }
        logger.info("connection \(id) (\(name)) unblocked")
    }
}
