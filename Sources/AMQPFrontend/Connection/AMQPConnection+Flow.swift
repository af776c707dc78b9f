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
        connection.setReadingPaused(throttle.isEngaged)
        logger.info("connection \(id) (\(name)) unblocked")
    }

    /// A queue this connection published into does not keep up: stop reading until it drains
    /// (`PublisherThrottle`). Queues this connection also consumes from are exempt, since their acks arrive on
    /// this very socket.
    func throttle(on queue: Queue) {
        guard phase == .open, !throttle.isWaiting(on: queue) else { return }
        guard !channels.values.contains(where: { $0.consumes(from: queue) }) else { return }
        guard throttle.engage(queue, now: eventLoop.now) else { return }
        connection.setReadingPaused(true)
        pollThrottle()
    }

    private func pollThrottle() {
        throttleTimer = eventLoop.scheduleTimer(after: PublisherThrottle.pollInterval) { [weak self] in
            guard let self, self.phase == .open || self.phase == .closing else { return }
            self.throttleTimer = nil
            guard self.throttle.shouldResume(now: self.eventLoop.now) else { return self.pollThrottle() }
            self.connection.setReadingPaused(self.blockedByAlarm)
        }
    }
}
