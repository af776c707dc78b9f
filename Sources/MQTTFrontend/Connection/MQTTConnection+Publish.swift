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
        var topic = p.topic
        if let v5, !p.properties.isEmpty {
            do { topic = try v5.aliases.resolve(topic: p.topic, alias: p.properties.topicAlias) } catch {
                return disconnect(error.reasonCode, error.message)
            }
            guard p.properties.subscriptionIdentifiers.isEmpty else {
                return disconnect(.protocolError, "[MQTT-3.3.4-6] a PUBLISH from a client carries a subscription identifier")
            }
        }
        guard mayPublish(to: topic) else {
            let why = "publish to '\(topic)' not permitted for user '\(userName)'"
            // MQTT 3.1.1 has no way to refuse one PUBLISH: the connection is closed (design §4). MQTT 5 answers
            // PUBACK / PUBREC 0x87 and keeps the connection; a refused QoS 0 message is dropped.
            guard version == .v5 else { return disconnect(.notAuthorized, why) }
            return refusePublish(p, .notAuthorized, why)
        }
        // A topic of n bytes has at most n + 1 levels: only long topics are counted.
        guard topic.count < configuration.maxTopicLevels || Self.levels(topic) <= configuration.maxTopicLevels else {
            return disconnect(
                .topicNameInvalid, "publish to a topic of more than max_topic_levels \(configuration.maxTopicLevels) levels")
        }
        let decision = inbound.publish(qos: p.qos, packetId: p.packetId)
        var generation: UInt64 = 0
        var code = MQTTReasonCode.success
        if decision.route {
            let result = route(
                topic: topic, payload: p.payload, qos: p.qos.rawValue, retain: p.retain, properties: p.properties,
                excludingSelf: v5?.subscriptions.excludesOwnPublish(topic: topic) ?? false)
            generation = result.syncGeneration
            if result.enqueued == 0 { code = result.rejected > 0 ? .quotaExceeded : .noMatchingSubscribers }
            if p.qos == .exactlyOnce, !cleanSession, let vhost, let id = p.packetId {
                // PUBREC only once the dedupe record is durable too: a PUBLISH resent after a crash is not routed twice.
                generation = max(generation, vhost.mqttSessions.inboundPending(clientId, id))
            }
        }
        guard var ack = decision.ack else { return }
        if version == .v5 && code != .success { ack = Self.withReasonCode(ack, code) }
        sendWhenDurable(ack, generation: generation)
    }

    /// MQTT 5: answers a refused QoS 1 or 2 PUBLISH with `code` (which ends its handshake) and logs why.
    private func refusePublish(_ p: MQTTPacket.Publish, _ code: MQTTReasonCode, _ why: String) {
        logger.warning("MQTT \(name): \(why)")
        guard let id = p.packetId else { return }
        let props: MQTTProperties = v5?.requestProblemInformation == true ? [.reasonString(ByteString(why))] : []
        let ack: MQTTPacket =
            p.qos == .atLeastOnce
            ? .pubAck(.init(packetId: id, reasonCode: code, properties: props))
            : .pubRec(.init(packetId: id, reasonCode: code, properties: props))
        sendWhenDurable(ack, generation: 0)
    }

    /// `ack` (PUBACK or PUBREC) with reason `code`.
    private static func withReasonCode(_ ack: MQTTPacket, _ code: MQTTReasonCode) -> MQTTPacket {
        switch ack {
        case .pubAck(var a):
            a.reasonCode = code
            return .pubAck(a)
        case .pubRec(var r):
            r.reasonCode = code
            return .pubRec(r)
        default: return ack
        }
    }

    /// Sends `ack` once sync `generation` is durable (0: nothing to wait for), after the acknowledgements queued
    /// before it.
    func sendWhenDurable(_ ack: MQTTPacket, generation: UInt64) {
        if acks.canSendAtOnce(generation: generation) {
            send(ack, last: true)
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
            send(ack, last: true)
            return true
        }
        if failed {
            logger.error("closing MQTT connection \(name): a message could not be written to disk")
            acks.removeAll()
            connection.close()
            return
        }
        guard let wait, let coordinator else { return }
        // Held by the coordinator until the round ends (milliseconds), strongly: a weak capture would give the
        // connection a side table (see `ConsumerHandle.consumer`). Once closed, `flushAcks` sends nothing.
        coordinator.whenDurable(wait, on: eventLoop) { [self] in
            acks.waitEnded()
            flushAcks()
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

    /// Publishes to `mqtt.default` with the MQTT → AMQP property mapping (MQTT 5 message properties included,
    /// `MQTTMessageProperties`); retained messages are stored first. `excludingSelf` keeps the copy out of this
    /// session's own queue ("no local"). The result's sync generation covers the retained copy too (0: nothing to
    /// wait for).
    @discardableResult
    func route(
        topic: ByteString, payload: [UInt8], qos: UInt8, retain: Bool, properties: MQTTProperties = [],
        excludingSelf: Bool = false
    ) -> VHost.PublishResult {
        guard let vhost, let exchange else { return VHost.PublishResult() }
        let message = makeMessage(topic: topic, payload: payload, qos: qos, retain: retain, properties: properties)
        let retainedGeneration = retain ? vhost.retained.retain(message, topic: topic) : 0
        var result = vhost.publish(
            message, through: exchange, targets: &loopContext.routeTargets, excluding: excludingSelf ? queue : nil)
        loopContext.countPublish(to: exchange, routed: result.enqueued > 0)
        publishRouted(overloaded: result.overloaded, alarm: alarm)
        result.syncGeneration = max(result.syncGeneration, retainedGeneration)
        return result
    }

    /// The core message of an MQTT publish (or will) to `topic`.
    func makeMessage(
        topic: ByteString, payload: [UInt8], qos: UInt8, retain: Bool, properties: MQTTProperties
    ) -> Message {
        let amqp =
            !MQTTMessageProperties.hasAny(properties)
            ? Message.mqttProperties(qos: qos, retain: retain)
            : MQTTMessageProperties(properties).amqpProperties(qos: qos, retain: retain)
        return Message(
            exchange: Self.mqttDefault, routingKey: topic, properties: amqp, body: payload, alarm: alarm,
            mqttPublishQoS: min(qos, 2), routingKeyIsMQTTTopic: true)
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
        keepAlive.received()
    }
}
