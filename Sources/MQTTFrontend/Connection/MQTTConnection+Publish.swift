import AMQPModel
import AMQPValues
import MQTTCodec
import Transport

/// Inbound PUBLISH with its QoS 1/2 handshakes (MQTT 3.1.1 §4.3), and permission checks (design §4).
extension MQTTConnection {
    static let mqttDefault: ByteString = "mqtt.default"

    func handlePublish(_ p: MQTTPacket.Publish) {
        guard phase == .connected else { return }
        guard mayPublish(to: p.topic) else {
            // MQTT 3.1.1 has no way to refuse one PUBLISH: the connection is closed (design §4).
            logger.warning(
                "closing MQTT connection \(name): publish to '\(p.topic)' not permitted for user '\(user?.name ?? "")'")
            connection.close()
            return
        }
        switch p.qos {
        case .atMostOnce:
            route(topic: p.topic, payload: p.payload, qos: 0, retain: p.retain)
        case .atLeastOnce:
            let generation = route(topic: p.topic, payload: p.payload, qos: 1, retain: p.retain)
            acknowledge(.pubAck(.init(packetId: p.packetId!)), after: generation)
        case .exactlyOnce:
            let id = p.packetId!
            // A resent PUBLISH whose PUBREC the client did not see is not routed twice [MQTT-4.3.3-2].
            var generation: UInt64 = 0
            if session.inboundQoS2.insert(id).inserted {
                generation = route(topic: p.topic, payload: p.payload, qos: 2, retain: p.retain)
            }
            acknowledge(.pubRec(.init(packetId: id)), after: generation)
        }
    }

    /// Sends PUBACK / PUBREC once the message is durable (design §6), keeping the order of the PUBLISHes
    /// [MQTT-4.6.0-2]. A failed sync closes the connection without the acknowledgement: the client resends.
    private func acknowledge(_ ack: MQTTPacket, after generation: UInt64) {
        if generation == 0 && pendingAcks.isEmpty {
            send(ack)
            return
        }
        pendingAcks.append((ack, generation))
        flushAcks()
    }

    func flushAcks() {
        guard phase == .connected else { return }
        let coordinator = server.broker.storage?.coordinator
        var sent = 0
        for (ack, generation) in pendingAcks {
            if generation > 0, let coordinator {
                guard let durable = coordinator.outcome(generation) else {
                    awaitAcks(generation, coordinator)
                    break
                }
                guard durable else {
                    logger.error("closing MQTT connection \(name): a message could not be written to disk")
                    pendingAcks.removeAll()
                    connection.close()
                    return
                }
            }
            send(ack)
            sent += 1
        }
        pendingAcks.removeFirst(sent)
    }

    private func awaitAcks(_ generation: UInt64, _ coordinator: SyncCoordinator) {
        guard awaitedGeneration != generation else { return }
        awaitedGeneration = generation
        let loop = eventLoop
        let ref = MQTTConnectionRef(self)
        coordinator.whenDurable(generation) { _ in
            loop.execute {
                guard let c = ref.connection else { return }
                c.awaitedGeneration = 0
                c.flushAcks()
            }
        }
    }

    func handlePubRel(_ id: UInt16) {
        session.inboundQoS2.remove(id)
        send(.pubComp(.init(packetId: id)))
    }

    /// Publishes to `mqtt.default` with the MQTT → AMQP property mapping; retained messages are stored first.
    /// Returns the sync generation after which the copies written to disk are durable (0: nothing to wait for).
    @discardableResult
    func route(topic: ByteString, payload: [UInt8], qos: UInt8, retain: Bool) -> UInt64 {
        guard let vhost, let exchange else { return 0 }
        let message = Message(
            exchange: Self.mqttDefault, routingKey: topic, properties: Message.mqttProperties(qos: qos, retain: retain),
            body: payload)
        let retainedGeneration = retain ? vhost.retained.retain(message, topic: topic) : 0
        let result = vhost.publish(message, through: exchange, targets: &routeTargets)
        if let overloaded = result.overloaded, overloaded !== queue { throttle(on: overloaded) }
        if ResourceAlarm.isAlarmed { blockForResources() }
        return max(result.syncGeneration, retainedGeneration)
    }

    /// A queue this client published into does not keep up: stop reading until it drains (`PublisherThrottle`).
    /// The client's own session queue is exempt, since its PUBACKs arrive on this very socket.
    private func throttle(on queue: Queue) {
        guard throttle.engage(queue, now: eventLoop.now) else { return }
        connection.setReadingPaused(true)
        pollThrottle()
    }

    private func pollThrottle() {
        throttleTimer = eventLoop.scheduleTimer(after: PublisherThrottle.pollInterval) { [weak self] in
            guard let self, self.phase == .connected else { return }
            self.throttleTimer = nil
            guard self.throttle.shouldResume(now: self.eventLoop.now) else { return self.pollThrottle() }
            self.connection.setReadingPaused(self.blockedByAlarm)
        }
    }

    /// Write on exchange `mqtt.default`, and the topic permission's write pattern (design §4).
    func mayPublish(to topic: ByteString) -> Bool {
        guard configuration.permissionCheckEnabled, let authorizer else { return true }
        return authorizer.isAllowed(.write, resource: Self.mqttDefault)
            && authorizer.isTopicAllowed(.write, exchange: Self.mqttDefault, routingKey: topic)
    }

    /// Read on `mqtt.default`, write on the session queue, and the topic permission's read pattern (design §4).
    func maySubscribe(to filter: ByteString) -> Bool {
        guard configuration.permissionCheckEnabled, let authorizer, let queue else { return true }
        return authorizer.isAllowed(.read, resource: Self.mqttDefault)
            && authorizer.isAllowed(.write, resource: queue.name)
            && authorizer.isTopicAllowed(.read, exchange: Self.mqttDefault, routingKey: filter)
    }

    /// A resource alarm is on: stop reading from this client until it clears (design §2 backpressure).
    func blockForResources() {
        guard !blockedByAlarm else { return }
        blockedByAlarm = true
        logger.warning(
            "MQTT \(name) blocked: "
                + (ResourceAlarm.isDiskAlarmed
                    ? "free disk space below free_disk_min" : "message memory above max_message_memory"))
        connection.setReadingPaused(true)
        let loop = eventLoop
        let ref = MQTTConnectionRef(self)
        ResourceAlarm.whenCleared {
            loop.execute {
                guard let c = ref.connection, c.blockedByAlarm else { return }
                c.blockedByAlarm = false
                c.lastReadAt = c.eventLoop.now
                if c.phase == .connected { c.connection.setReadingPaused(c.throttle.isEngaged) }
            }
        }
    }
}
