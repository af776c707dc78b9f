import AMQPModel
import AMQPValues
import Bytes
import Clocks
import FrontendSupport
import MQTTCodec
import Transport

/// Outbound PUBLISH from the session queue and the shared subscriptions' queues, and the client's
/// acknowledgements (MQTT 3.1.1 §4.3).
///
/// A message goes out at min(publish QoS, subscription QoS). QoS 0 is settled as soon as it is written;
/// QoS 1 on PUBACK; QoS 2 on PUBREC, with the packet id kept until PUBCOMP. Each consumer's prefetch credit
/// (`[mqtt] max_inflight_messages`) bounds what is in flight from its queue.
extension MQTTConnection: LoopConsumer {
    func pendingAvailable(for handle: ConsumerHandle) {
        guard phase == .connected else { return }
        if handle !== self.handle, let extras, let slot = extras.slot(of: handle) {
            extras.drainList.append(UInt16(slot + 1))
        }
        guard !drainScheduled else { return }
        drainScheduled = true
        // The session queue is drained at every end of turn that drains anything: one flag for both kinds.
        eventLoop.runAtEndOfTurn(self)
    }

    func endOfTurn() {
        drainScheduled = false
        if let handle { deliverPending(handle, source: 0) }
        guard let extras, !extras.drainList.isEmpty else { return }
        let sources = extras.drainList
        extras.drainList.removeAll(keepingCapacity: true)
        for source in sources {
            guard let consumer = extras.shared[Int(source) - 1], consumer.active else { continue }
            deliverPending(consumer.handle, source: source)
        }
    }

    func afterFlush() {
        windowReleaseScheduled = false
        releaseWindow()
    }

    /// Writes what `handle`'s queue assigned to it; `source` is 0 for the session queue, else the shared slot + 1.
    private func deliverPending(_ handle: ConsumerHandle, source: UInt16) {
        guard phase == .connected else { return }
        let queue = handle.queue
        let context = loopContext
        context.deliveryBatch.removeAll(keepingCapacity: true)
        queue.takePending(for: handle, into: &context.deliveryBatch)
        let count = context.deliveryBatch.count
        guard count > 0 else { return }
        var settled = 0
        var settledEntries: [QueueEntry] = []
        let keepsRecords = queue.keepsRecords
        let v5 = self.v5
        let now = v5 == nil ? 0 : MonotonicClock.milliseconds()
        write { out in
            for e in context.deliveryBatch {
                let pending =
                    if let v5 { writeV5(e, source: source, v5: v5, now: now, into: &out) } else {
                        writeV3(e, source: source, into: &out)
                    }
                guard !pending else { continue }
                settled += 1
                if keepsRecords { settledEntries.append(e) }
            }
        }
        context.deliveryBatch.removeAll(keepingCapacity: true)
        if settled > 0 {
            if keepsRecords { queue.acknowledged(settledEntries) } else { queue.acknowledged(count: settled) }
            handle.releaseCredit(settled)
        }
        // The window credit comes back after this turn's flush, once the socket took the bytes; the queue hands out
        // more then (`releaseWindow`), for the prefetch credit of what was settled here too.
        if source == 0 {
            pausedWindow += Int32(count)
        } else if let extras, extras.shared[Int(source) - 1] != nil {
            extras.shared[Int(source) - 1]!.pausedWindow += Int32(count)
        }
        if !windowReleaseScheduled {
            windowReleaseScheduled = true
            eventLoop.execute(self)
        }
    }

    /// Writes one delivery to an MQTT 3.x client; false when it is settled now: sent at QoS 0, or not sent and
    /// dropped (published over AMQP with a routing key that is no MQTT topic name, or no packet id free).
    private func writeV3(_ e: QueueEntry, source: UInt16, into out: inout ByteBuffer) -> Bool {
        let m = e.message
        guard m.routingKeyIsMQTTTopic || MQTTTopic.isValidTopicName(m.routingKey) else { return false }
        let qos = min(e.qos, m.mqttPublishQoS)
        var packetId: UInt16?
        var dup = false
        switch outbound.send(MQTTDelivery(entry: e, source: source), qos: qos) {
        case .publish(let id, let isDup):
            packetId = id
            dup = isDup
        case .atMostOnce: break
        case .noPacketId: return false
        }
        m.body.withUnsafeBytes { body in
            MQTTEncoder.encodePublish(
                topic: m.routingKey, packetId: packetId, qos: MQTTQoS(rawValue: qos)!, retain: false, dup: dup,
                payload: body, into: &out)
        }
        return packetId != nil
    }

    /// Writes one delivery to an MQTT 5 client; false when it is settled now: sent at QoS 0, or not sent and dropped
    /// (no valid topic name, larger than the client accepts [MQTT-3.1.2-25], or no packet id free).
    private func writeV5(
        _ e: QueueEntry, source: UInt16, v5: MQTT5State, now: Int64, into out: inout ByteBuffer
    ) -> Bool {
        let m = e.message
        guard m.routingKeyIsMQTTTopic || MQTTTopic.isValidTopicName(m.routingKey) else { return false }
        let qos = min(e.qos, m.mqttPublishQoS)
        let (properties, retain) = deliveryProperties(
            of: m, topic: m.routingKey, expiresAt: e.expiresAt, now: now, v5: v5,
            shared: source == 0 ? nil : extras?.shared[Int(source) - 1]?.options)
        let size = MQTTEncoder.publishPacketSize(
            topicLength: m.routingKey.count, payloadLength: m.bodySize, qos: MQTTQoS(rawValue: qos)!,
            properties: properties)
        guard size <= v5.clientMaximumPacketSize else {
            v5.oversizedDropped += 1
            if v5.oversizedDropped == 1 {
                logger.warning(
                    "MQTT \(name): a message of \(size) bytes to '\(m.routingKey)' is larger than the client's maximum "
                        + "packet size \(v5.clientMaximumPacketSize); such messages are dropped for this client")
            }
            return false
        }
        var packetId: UInt16?
        var dup = false
        switch outbound.send(MQTTDelivery(entry: e, source: source), qos: qos) {
        case .publish(let id, let isDup):
            packetId = id
            dup = isDup
        case .atMostOnce: break
        case .noPacketId: return false
        }
        var topic = m.routingKey
        var alias: UInt16?
        if v5.aliases.outboundMaximum > 0 { (topic, alias) = v5.aliases.outbound(topic) }
        m.body.withUnsafeBytes { body in
            MQTTEncoder.encodePublish(
                topic: topic, packetId: packetId, qos: MQTTQoS(rawValue: qos)!, retain: retain, dup: dup,
                properties: properties, topicAlias: alias, payload: body, into: &out)
        }
        return packetId != nil
    }

    /// The MQTT 5 properties a delivery of `m` to `topic` carries (its message properties, the remaining expiry, the
    /// identifiers of the matching subscriptions, or of the `shared` subscription it came through) and its RETAIN
    /// flag (set when the subscription keeps it as published [MQTT-3.3.1-12]).
    func deliveryProperties(
        of m: Message, topic: ByteString, expiresAt: Int64, now: Int64, v5: MQTT5State,
        shared: MQTTSubscriptionOptions? = nil
    ) -> (MQTTProperties, retain: Bool) {
        var list: [MQTTProperty] = []
        if !MQTTMessageProperties.carriesNothing(m.properties) {
            list = MQTTMessageProperties(of: m, expiresAt: expiresAt, now: now).list
        }
        var retain = false
        if let shared {
            if let id = shared.identifier { list.append(.subscriptionIdentifier(id)) }
            retain = shared.retainAsPublished && m.mqttRetain
        } else if v5.subscriptions.hasDeliveryOptions {
            let (ids, keepsRetain) = v5.subscriptions.delivery(topic: topic)
            for id in ids { list.append(.subscriptionIdentifier(id)) }
            retain = keepsRetain && m.mqttRetain
        }
        return (MQTTProperties(list), retain)
    }

    func handlePubAck(_ id: UInt16) {
        guard let delivery = outbound.pubAck(id), let handle = consumer(of: delivery) else { return }
        handle.queue.acknowledged([delivery.entry])
        handle.releaseCredit()
        handle.creditReturned()
    }

    func handlePubRec(_ id: UInt16) {
        guard case .release(let delivered) = outbound.pubRec(id) else { return }
        // A persistent session records the id before the message leaves its queue, and sends PUBREL once that is
        // durable: after a crash PUBREL is resent instead of the message being lost or delivered twice.
        var generation: UInt64 = 0
        if delivered != nil, !cleanSession, let vhost { generation = vhost.mqttSessions.outboundPending(clientId, id) }
        // The client has the message: it counts as delivered; its credit comes back with PUBCOMP.
        if let delivered, let handle = consumer(of: delivered) { handle.queue.acknowledged([delivered.entry]) }
        sendWhenDurable(.pubRel(.init(packetId: id)), generation: generation)
    }

    func handlePubComp(_ id: UInt16) {
        let wasReleased = outbound.inflight[id]?.released == true
        let source = outbound.inflight[id]?.entry?.source
        let fromQueue = outbound.pubComp(id)
        if wasReleased, !cleanSession, let vhost { vhost.mqttSessions.outboundCompleted(clientId, id) }
        guard fromQueue, let source, let handle = consumer(source: source) else { return }
        handle.releaseCredit()
        handle.creditReturned()
    }

    /// The consumer a delivery came from, if it is still subscribed.
    func consumer(of delivery: MQTTDelivery) -> ConsumerHandle? { consumer(source: delivery.source) }

    private func consumer(source: UInt16) -> ConsumerHandle? {
        source == 0 ? handle : extras?.shared[Int(source) - 1]?.handle
    }

    /// A queue under one of the consumers was deleted (by an AMQP client): the session cannot go on without its own
    /// queue; a deleted shared subscription queue just ends that subscription.
    func queueDeleted(under deleted: ConsumerHandle) {
        guard phase == .connected else { return }
        if deleted !== handle, let extras, let slot = extras.slot(of: deleted) {
            logger.warning("MQTT \(name): the queue of shared subscription '\(extras.shared[slot]!.subscription.raw)' was deleted")
            extras.shared[slot] = nil
            return
        }
        logger.warning("closing MQTT connection \(name): its session queue was deleted")
        connection.close()
    }
}

