import AMQPModel
import AMQPValues
import FrontendSupport
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
                "closing MQTT connection \(name): publish to '\(p.topic)' not permitted for user '\(userName)'")
            connection.close()
            return
        }
        // A topic of n bytes has at most n + 1 levels: only long topics are counted.
        guard p.topic.count < configuration.maxTopicLevels || Self.levels(p.topic) <= configuration.maxTopicLevels
        else {
            logger.warning(
                "closing MQTT connection \(name): publish to a topic of more than max_topic_levels "
                    + "\(configuration.maxTopicLevels) levels")
            connection.close()
            return
        }
        let decision = inbound.publish(qos: p.qos, packetId: p.packetId)
        var generation: UInt64 = 0
        if decision.route {
            generation = route(topic: p.topic, payload: p.payload, qos: p.qos.rawValue, retain: p.retain)
            if p.qos == .exactlyOnce, !cleanSession, let vhost, let id = p.packetId {
                // PUBREC only once the dedupe record is durable too: a PUBLISH resent after a crash is not routed twice.
                generation = max(generation, vhost.mqttSessions.inboundPending(clientId, id))
            }
        }
        guard let ack = decision.ack else { return }
        sendWhenDurable(ack, generation: generation)
    }

    /// Sends `ack` once sync `generation` is durable (0: nothing to wait for), after the acknowledgements queued
    /// before it.
    func sendWhenDurable(_ ack: MQTTPacket, generation: UInt64) {
        if acks.canSendAtOnce(generation: generation) {
            send(ack)
        } else {
            acks.append(ack, generation: generation)
            flushAcks()
        }
    }

    /// Sends the PUBACKs / PUBRECs whose messages are durable (design §6), in PUBLISH order [MQTT-4.6.0-2]. A failed
    /// sync closes the connection without the acknowledgement: the client resends.
    func flushAcks() {
        guard phase == .connected else { return }
        let coordinator = server.broker.storage?.coordinator
        var failed = false
        let wait = acks.flush(outcome: { SyncCoordinator.outcome($0, in: coordinator) }) { ack, durable in
            guard durable else {
                failed = true
                return false
            }
            send(ack)
            return true
        }
        if failed {
            logger.error("closing MQTT connection \(name): a message could not be written to disk")
            acks.removeAll()
            connection.close()
            return
        }
        guard let wait, let coordinator else { return }
        let ref = MQTTConnectionRef(self)
        coordinator.whenDurable(wait, on: eventLoop) {
            guard let c = ref.connection else { return }
            c.acks.waitEnded()
            c.flushAcks()
        }
    }

    /// PUBREL: PUBCOMP goes once a persistent session's release is durable, so the id is never deduplicated again
    /// after the client reuses it.
    func handlePubRel(_ id: UInt16) {
        let known = inbound.awaitingRelease.contains(id)
        let comp = inbound.pubRel(id)
        guard known, !cleanSession, let vhost else { return sendWhenDurable(comp, generation: 0) }
        sendWhenDurable(comp, generation: vhost.mqttSessions.inboundReleased(clientId, id))
    }

    /// Publishes to `mqtt.default` with the MQTT → AMQP property mapping; retained messages are stored first.
    /// Returns the sync generation after which the copies written to disk are durable (0: nothing to wait for).
    @discardableResult
    func route(topic: ByteString, payload: [UInt8], qos: UInt8, retain: Bool) -> UInt64 {
        guard let vhost, let exchange else { return 0 }
        let message = Message(
            exchange: Self.mqttDefault, routingKey: topic, properties: Message.mqttProperties(qos: qos, retain: retain),
            body: payload, alarm: alarm)
        let retainedGeneration = retain ? vhost.retained.retain(message, topic: topic) : 0
        let result = vhost.publish(message, through: exchange, targets: &loopContext.routeTargets)
        loopContext.countPublish(to: exchange, routed: result.enqueued > 0)
        publishRouted(overloaded: result.overloaded, alarm: alarm)
        return max(result.syncGeneration, retainedGeneration)
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
}

/// Publisher flow control (`PublisherFlow`): MQTT has no way to tell a client it is blocked, so it is only logged.
extension MQTTConnection: PublisherFlowHost {
    var acceptsPublishes: Bool { phase == .connected }

    /// The client's own session queue is never throttled: its PUBACKs arrive on this very socket.
    func consumes(from queue: Queue) -> Bool { queue === self.queue }

    func publishingBlocked(by cause: ResourceAlarm.Cause, alarm: ResourceAlarm) {
        logger.warning(
            "MQTT \(name) blocked: "
                + (cause == .disk ? "free disk space below free_disk_min" : "message memory above max_message_memory"))
    }

    func publishingUnblocked() {
        keepAlive.received(now: eventLoop.now)
    }
}
