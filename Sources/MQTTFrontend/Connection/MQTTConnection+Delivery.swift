import AMQPModel
import Bytes
import MQTTCodec
import Transport

/// Outbound PUBLISH from the session queue, and the client's acknowledgements (MQTT 3.1.1 §4.3).
///
/// A message goes out at min(publish QoS, subscription QoS). QoS 0 is settled as soon as it is written;
/// QoS 1 on PUBACK; QoS 2 on PUBREC, with the packet id kept until PUBCOMP. The consumer's prefetch credit
/// (`[mqtt] max_inflight_messages`) bounds what is in flight.
extension MQTTConnection {
    func requestDrain() {
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
        deliveryBatch.removeAll(keepingCapacity: true)
        queue.takePending(for: handle, into: &deliveryBatch)
        let count = deliveryBatch.count
        guard count > 0 else { return }
        var settled = 0
        var settledEntries: [QueueEntry] = []
        let keepsRecords = queue.keepsRecords
        connection.write { out in
            for var e in deliveryBatch {
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
                if qos > 0 {
                    let reuse = e.redelivered && e.packetID != 0 && inflight[e.packetID] == nil
                    guard let id = reuse ? e.packetID : allocatePacketId() else {
                        settled += 1
                        if keepsRecords { settledEntries.append(e) }
                        continue
                    }
                    dup = reuse
                    e.packetID = id
                    inflight[id] = Inflight(entry: e, qos: qos)
                    packetId = id
                } else {
                    settled += 1
                    if keepsRecords { settledEntries.append(e) }
                }
                m.body.withUnsafeBytes { body in
                    MQTTEncoder.encodePublish(
                        topic: m.routingKey, packetId: packetId, qos: MQTTQoS(rawValue: qos)!, retain: false, dup: dup,
                        payload: body, into: &out)
                }
            }
        }
        deliveryBatch.removeAll(keepingCapacity: true)
        if settled > 0 {
            if keepsRecords { queue.acknowledged(settledEntries) } else { queue.acknowledged(count: settled) }
            handle.releaseCredit(settled)
        }
        // The window credit comes back after this turn's flush, once the socket took the bytes.
        pausedWindow += count
        if settled > 0 { queue.creditAvailable() }
        if !windowReleaseScheduled {
            windowReleaseScheduled = true
            eventLoop.execute { [weak self] in
                self?.windowReleaseScheduled = false
                self?.releaseWindow()
            }
        }
    }

    /// The next free packet identifier (1...65535), or nil when all are in flight.
    func allocatePacketId() -> UInt16? {
        guard inflight.count < Int(UInt16.max) else { return nil }
        while true {
            let id = nextPacketId
            nextPacketId = id == UInt16.max ? 1 : id + 1
            if inflight[id] == nil { return id }
        }
    }

    func handlePubAck(_ id: UInt16) {
        guard let f = inflight[id], f.qos == 1 else { return }
        inflight[id] = nil
        settle(f)
    }

    func handlePubRec(_ id: UInt16) {
        guard var f = inflight[id], f.qos == 2 else { return }
        if !f.awaitingComp {
            // The client has the message: it counts as delivered; the id stays in use until PUBCOMP.
            if let entry = f.entry, let queue { queue.acknowledged([entry]) }
            f.awaitingComp = true
            inflight[id] = f
        }
        send(.pubRel(.init(packetId: id)))
    }

    func handlePubComp(_ id: UInt16) {
        guard let f = inflight[id], f.awaitingComp else { return }
        inflight[id] = nil
        if f.entry != nil, let handle, let queue {
            handle.releaseCredit()
            queue.creditAvailable()
        }
    }

    private func settle(_ f: Inflight) {
        guard let entry = f.entry, let handle, let queue else { return }
        queue.acknowledged([entry])
        handle.releaseCredit()
        queue.creditAvailable()
    }

    /// PUBREL again for QoS 2 messages whose PUBCOMP the previous connection never saw [MQTT-4.4.0-1].
    func resendPendingPubRel() {
        for id in session.pendingPubRel {
            inflight[id] = Inflight(entry: nil, qos: 2, awaitingComp: true)
            send(.pubRel(.init(packetId: id)))
        }
        session.pendingPubRel.removeAll()
    }

    /// The session queue was deleted (by an AMQP client): the session cannot go on.
    func sessionQueueDeleted() {
        guard phase == .connected else { return }
        logger.warning("closing MQTT connection \(name): its session queue was deleted")
        connection.close()
    }
}
