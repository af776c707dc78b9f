import AMQPModel
import AMQPWire
import Transport

/// Publisher flow control under the memory alarm (RabbitMQ's connection.blocked / connection.unblocked).
extension AMQPConnection {
    /// The memory alarm is on: stop reading from this publishing connection until it clears.
    func blockPublishing() {
        guard !blockedByAlarm, phase == .open else { return }
        blockedByAlarm = true
        let disk = ResourceAlarm.isDiskAlarmed
        logger.warning(
            "connection \(id) (\(name)) blocked: "
                + (disk
                    ? "free disk space below free_disk_min"
                    : "messages hold \(ResourceAlarm.liveBytes) bytes, above max_message_memory \(ResourceAlarm.highWatermark)")
        )
        if capabilities.connectionBlocked {
            send(.connectionBlocked(ConnectionBlocked(reason: disk ? "low on disk" : "low on memory")), channel: 0)
        }
        connection.setReadingPaused(true)
        let loop = eventLoop
        let ref = AMQPConnectionRef(self)
        ResourceAlarm.whenCleared { loop.execute { ref.connection?.unblockPublishing() } }
    }

    /// The memory alarm cleared: resume reading.
    func unblockPublishing() {
        guard blockedByAlarm else { return }
        blockedByAlarm = false
        guard phase == .open || phase == .closing else { return }
        lastReadAt = eventLoop.now
        if capabilities.connectionBlocked && phase == .open {
            send(.connectionUnblocked(ConnectionUnblocked()), channel: 0)
        }
        connection.setReadingPaused(false)
        logger.info("connection \(id) (\(name)) unblocked")
    }
}
