import AMQPModel
import AMQPValues
import MQTTCodec

/// Shared subscriptions (`$share/{group}/{filter}`, MQTT 5 §4.8.2, also for 3.1.1 clients): the group's sessions
/// consume one queue, `mqtt.$share/{group}/{filter}`, bound to `mqtt.default` with the filter. The queue is
/// durable and stays while a member is connected or a persistent member holds the subscription; a message goes to
/// one connected member, round robin, and what a member leaves unacknowledged goes back to the queue for the
/// others. Retained messages are not replayed on a shared subscription [MQTT-4.8.2-6 note in §3.3.1.3].
extension MQTTConnection {
    /// Subscribes to `sub` at `qos`: the SUBACK code (the granted QoS, or 0x80 refused). An MQTT 5 client's
    /// subscription identifier and retain-as-published option apply to what this connection gets from the group.
    func subscribeShared(
        _ sub: MQTTSharedSubscription, qos: UInt8, options: MQTTSubscriptionOptions? = nil, record: Bool = true
    ) -> UInt8 {
        guard let vhost else { return MQTTPacket.SubAck.failure }
        guard sub.fitsQueueName else {
            logger.warning("MQTT \(name): shared subscription '\(sub.raw)' refused: its queue name would pass 255 bytes")
            return MQTTPacket.SubAck.failure
        }
        guard mayConsumeShared(sub) else {
            logger.warning("MQTT \(name): shared subscription '\(sub.raw)' refused: not permitted")
            return MQTTPacket.SubAck.failure
        }
        let extras = self.extras ?? MQTTConnectionExtras()
        self.extras = extras
        do {
            let q = try vhost.declareQueue(
                name: sub.queueName, durable: true, exclusiveOwner: nil, autoDelete: false, arguments: FieldTable(),
                connection: id, dropsQoS0WithoutConsumers: !configuration.queueQoS0Offline
            ).queue
            _ = try? vhost.unbindAll(.queue(q), from: Self.mqttDefault, key: sub.filter)
            try vhost.bind(.queue(q), to: Self.mqttDefault, key: sub.filter, arguments: Self.qosArguments[Int(qos)])
            if let slot = extras.slot(of: sub), extras.shared[slot]?.handle.queue === q, extras.shared[slot]!.active {
                extras.shared[slot]!.options = options
                if record { recordShared(sub, qos: qos, in: vhost) }
                return qos
            }
            let handle = ConsumerHandle(
                tag: key?.sessionQueue ?? "mqtt-shared", queue: q, noAck: false, exclusive: false,
                prefetch: configuration.maxInflightMessages, channelCredit: nil, channelID: 0, consumer: self)
            var consumer = MQTTConnectionExtras.SharedConsumer(subscription: sub, handle: handle)
            consumer.options = options
            if let slot = extras.slot(of: sub) { extras.shared[slot] = consumer } else { extras.shared.append(consumer) }
            try q.addConsumer(handle)
        } catch {
            logger.warning("MQTT \(name): shared subscription '\(sub.raw)' failed: \(error)")
            return MQTTPacket.SubAck.failure
        }
        if record { recordShared(sub, qos: qos, in: vhost) }
        return qos
    }

    /// Leaves `sub`: no more messages from it; those in flight are still settled when acknowledged.
    func unsubscribeShared(_ sub: MQTTSharedSubscription) {
        guard let vhost else { return }
        if !cleanSession { vhost.mqttSessions.sharedDropped(clientId, sub.raw) }
        if let extras, let slot = extras.slot(of: sub), let consumer = extras.shared[slot], consumer.active {
            consumer.handle.queue.removeConsumer(consumer.handle)
            extras.shared[slot]!.active = false
        }
        leaveShared(sub)
    }

    /// Deletes the group's queue once no member is connected and no persistent member holds the subscription.
    func leaveShared(_ sub: MQTTSharedSubscription) {
        guard let vhost, let q = vhost.queue(named: sub.queueName), q.consumerCount == 0,
            !vhost.mqttSessions.isHeld(shared: sub.raw)
        else { return }
        _ = try? vhost.deleteQueue(name: sub.queueName, ifUnused: true, ifEmpty: false, connection: 0)
    }

    /// Joins again the shared subscriptions a persistent session held (CONNECT).
    func resumeShared(_ held: [ByteString: UInt8]) {
        for (raw, qos) in held.sorted(by: { $0.key < $1.key }) {
            guard case .shared(let sub) = MQTTSharedSubscription.parse(raw) else { continue }
            _ = subscribeShared(sub, qos: qos, record: false)
        }
    }

    private func recordShared(_ sub: MQTTSharedSubscription, qos: UInt8, in vhost: VHost) {
        guard !cleanSession else { return }
        vhost.mqttSessions.sharedHeld(clientId, sub.raw, qos: qos)
    }

    /// Read on `mqtt.default`, write on the group's queue, and the topic permission's read pattern on the filter.
    private func mayConsumeShared(_ sub: MQTTSharedSubscription) -> Bool {
        guard configuration.permissionCheckEnabled, let authorizer else { return true }
        return authorizer.isAllowed(.read, resource: Self.mqttDefault)
            && authorizer.isAllowed(.write, resource: sub.queueName)
            && authorizer.isTopicAllowed(.read, exchange: Self.mqttDefault, routingKey: sub.filter)
    }
}
