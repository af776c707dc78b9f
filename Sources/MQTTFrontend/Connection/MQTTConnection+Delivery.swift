import AMQPModel
import Bytes
import FrontendSupport
import MQTTCodec
import Transport

/// Outbound PUBLISH from the session queue, and the client's acknowledgements (MQTT 3.1.1 §4.3).
///
/// A message goes out at min(publish QoS, subscription QoS). QoS 0 is settled as soon as it is written;
/// QoS 1 on PUBACK; QoS 2 on PUBREC, with the packet id kept until PUBCOMP. The consumer's prefetch credit
/// (`[mqtt] max_inflight_messages`) bounds what is in flight.
extension MQTTConnection: LoopConsumer {
    func pendingAvailable(for handle: ConsumerHandle) {
        guard phase == .connected, !drainScheduled else { return }
        drainScheduled = true
        eventLoop.runAtEndOfTurn { [weak self] in
            guard let self else { return }
            self.drainScheduled = false
            self.deliverPending()
        }
    }

    private func deliverPending() {
        guard phase == .connected, let handle, let queue else { return }
        let context = loopContext
        context.deliveryBatch.removeAll(keepingCapacity: true)
        queue.takePending(for: handle, into: &context.deliveryBatch)
        let count = context.deliveryBatch.count
        guard count > 0 else { return }
        var settled = 0
        var settledEntries: [QueueEntry] = []
        let keepsRecords = queue.keepsRecords
        connection.write { out in
            for e in context.deliveryBatch {
                let m = e.message
                let qos = min(e.qos, m.mqttPublishQoS)
                guard MQTTTopic.isValidTopicName(m.routingKey) else {
                    // Published over AMQP with a routing key that is no MQTT topic name: undeliverable here.
                    settled += 1
                    if keepsRecords { settledEntries.append(e) }
                    continue
                }
                var packetId: UInt16?
                var dup = false
                switch outbound.send(e, qos: qos) {
                case .publish(let id, let isDup):
                    packetId = id
                    dup = isDup
                case .atMostOnce:
                    settled += 1
                    if keepsRecords { settledEntries.append(e) }
                case .noPacketId:
                    settled += 1
                    if keepsRecords { settledEntries.append(e) }
                    continue
                }
                m.body.withUnsafeBytes { body in
                    MQTTEncoder.encodePublish(
                        topic: m.routingKey, packetId: packetId, qos: MQTTQoS(rawValue: qos)!, retain: false, dup: dup,
                        payload: body, into: &out)
                }
            }
        }
        context.deliveryBatch.removeAll(keepingCapacity: true)
        if settled > 0 {
            if keepsRecords { queue.acknowledged(settledEntries) } else { queue.acknowledged(count: settled) }
            handle.releaseCredit(settled)
        }
        // The window credit comes back after this turn's flush, once the socket took the bytes.
        pausedWindow += Int32(count)
        if settled > 0 { queue.creditAvailable() }
        if !windowReleaseScheduled {
            windowReleaseScheduled = true
            eventLoop.execute { [weak self] in
                self?.windowReleaseScheduled = false
                self?.releaseWindow()
            }
        }
    }

    func handlePubAck(_ id: UInt16) {
        guard let entry = outbound.pubAck(id) else { return }
        settle(entry)
    }

    func handlePubRec(_ id: UInt16) {
        guard case .release(let delivered) = outbound.pubRec(id) else { return }
        // A persistent session records the id before the message leaves its queue, and sends PUBREL once that is
        // durable: after a crash PUBREL is resent instead of the message being lost or delivered twice.
        var generation: UInt64 = 0
        if delivered != nil, !cleanSession, let vhost { generation = vhost.mqttSessions.outboundPending(clientId, id) }
        // The client has the message: it counts as delivered; its credit comes back with PUBCOMP.
        if let delivered, let queue { queue.acknowledged([delivered]) }
        sendWhenDurable(.pubRel(.init(packetId: id)), generation: generation)
    }

    func handlePubComp(_ id: UInt16) {
        let wasReleased = outbound.inflight[id]?.released == true
        let fromQueue = outbound.pubComp(id)
        if wasReleased, !cleanSession, let vhost { vhost.mqttSessions.outboundCompleted(clientId, id) }
        guard fromQueue, let handle, let queue else { return }
        handle.releaseCredit()
        queue.creditAvailable()
    }

    private func settle(_ entry: QueueEntry) {
        guard let handle, let queue else { return }
        queue.acknowledged([entry])
        handle.releaseCredit()
        queue.creditAvailable()
    }

    /// The session queue was deleted (by an AMQP client): the session cannot go on.
    func queueDeleted(under handle: ConsumerHandle) {
        guard phase == .connected else { return }
        logger.warning("closing MQTT connection \(name): its session queue was deleted")
        connection.close()
    }
}

extension QueueEntry: MQTTOutboundEntry {}
