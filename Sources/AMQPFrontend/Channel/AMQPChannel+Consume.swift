import AMQPModel
import AMQPWire
import Bytes

/// How a delivery was settled.
enum Settlement: Equatable {
    /// basic.ack.
    case ack
    /// basic.nack / basic.reject with requeue, or the channel closed.
    case requeue
    /// basic.nack / basic.reject without requeue: dead-lettered or dropped.
    case reject
}

/// basic.qos, consume, cancel, get, deliveries and their settlement.
extension AMQPChannel {
    func basicQos(_ m: BasicQos) {
        prefetchCount = Int(m.prefetchCount)
        if m.global {
            if let c = channelCredit {
                c.setLimit(prefetchCount)
            } else {
                channelCredit = PrefetchCredit(limit: prefetchCount)
            }
            for h in consumers.values { h.queue.creditAvailable() }
        }
        connection.send(.basicQosOk(BasicQosOk()), channel: number)
    }

    func basicConsume(_ m: BasicConsume) throws(AMQPError) {
        let name = resolvedQueueName(m.queue)
        try requirePermission(.read, "queue", name)
        let q = try queue(name)
        let tag = m.consumerTag.isEmpty ? ServerNames.generate(prefix: "amq.ctag-") : m.consumerTag
        if consumers[tag] != nil {
            throw .connection(ReplyCode.notAllowed, "attempt to reuse consumer tag '\(tag)'")
        }
        let handle = ConsumerHandle(
            tag: tag, queue: q, noAck: m.noAck, exclusive: m.exclusive,
            prefetch: m.noAck ? 0 : prefetchCount,
            channelCredit: m.noAck ? nil : channelCredit, channelID: number, consumer: connection)
        do { try q.addConsumer(handle) } catch { throw AMQPError(error) }
        consumers[tag] = handle
        if !m.nowait { connection.send(.basicConsumeOk(BasicConsumeOk(consumerTag: tag)), channel: number) }
    }

    func basicCancel(_ m: BasicCancel) {
        if let h = consumers.removeValue(forKey: m.consumerTag) { h.queue.removeConsumer(h) }
        if !m.nowait { connection.send(.basicCancelOk(BasicCancelOk(consumerTag: m.consumerTag)), channel: number) }
    }

    /// The broker removed a consumer (its queue was deleted): tell clients that understand it.
    func consumerCancelledByBroker(_ handle: ConsumerHandle) {
        guard consumers[handle.tag] === handle else { return }
        consumers[handle.tag] = nil
        if connection.capabilities.consumerCancelNotify {
            connection.send(.basicCancel(BasicCancel(consumerTag: handle.tag, nowait: true)), channel: number)
        }
    }

    func basicGet(_ m: BasicGet) throws(AMQPError) {
        let name = resolvedQueueName(m.queue)
        try requirePermission(.read, "queue", name)
        let q = try queue(name)
        guard let (entry, remaining) = q.get(noAck: m.noAck) else {
            connection.send(.basicGetEmpty(BasicGetEmpty()), channel: number)
            return
        }
        let tag = nextDeliveryTag
        nextDeliveryTag += 1
        if !m.noAck { unacked.append(ChannelDelivery(tag: tag, source: .get(q), entry: entry)) }
        stats.get += 1
        if entry.redelivered { stats.redeliver += 1 }
        let message = entry.message
        let method = AMQPMethod.basicGetOk(
            BasicGetOk(
                deliveryTag: tag, redelivered: entry.redelivered, exchange: message.exchange,
                routingKey: message.routingKey, messageCount: UInt32(clamping: remaining)))
        let frameMax = connection.frameMax
        let channel = number
        connection.connection.write { out in
            message.body.withUnsafeBytes { body in
                FrameEncoder.writeContent(
                    method, properties: message.properties, body: body, channel: channel, frameMax: frameMax, into: &out
                )
            }
        }
    }

    /// Writes the messages the queue assigned to `handle` as basic.deliver frames.
    func deliverPending(_ handle: ConsumerHandle) {
        guard state == .open, flowActive, consumers[handle.tag] === handle else { return }
        deliveryBatch.removeAll(keepingCapacity: true)
        handle.queue.takePending(for: handle, into: &deliveryBatch)
        let count = deliveryBatch.count
        guard count > 0 else { return }
        let frameMax = connection.frameMax
        let channel = number
        connection.lastWriteAt = connection.eventLoop.now
        connection.connection.write { out in
            for e in deliveryBatch {
                let tag = nextDeliveryTag
                nextDeliveryTag += 1
                if !handle.noAck { unacked.append(ChannelDelivery(tag: tag, source: .consumer(handle), entry: e)) }
                if e.redelivered { stats.redeliver += 1 }
                let m = e.message
                m.body.withUnsafeBytes { body in
                    FrameEncoder.writeDeliver(
                        consumerTag: handle.tag, deliveryTag: tag, redelivered: e.redelivered, exchange: m.exchange,
                        routingKey: m.routingKey, properties: m.properties, body: body, channel: channel,
                        frameMax: frameMax, into: &out)
                }
            }
        }
        deliveryBatch.removeAll(keepingCapacity: true)
        stats.deliver += count
        connection.windowWritten(handle, count)
    }

    /// basic.ack / nack / reject. An unknown tag is a channel exception (406).
    func settle(tag: UInt64, multiple: Bool, outcome: Settlement) throws(AMQPError) {
        if transaction != nil {
            guard let taken = unacked.take(tag: tag, multiple: multiple) else {
                throw .channel(ReplyCode.preconditionFailed, "unknown delivery tag \(tag)")
            }
            transaction!.settlements.append(contentsOf: taken.map { ($0, outcome) })
            return
        }
        if outcome == .ack {
            // The common case, once per ack: settle in place, no arrays of deliveries.
            var run = AckRun()
            var acked = 0
            let known = unacked.settle(tag: tag, multiple: multiple) { d in
                run.add(d)
                acked += 1
            }
            guard known else { throw .channel(ReplyCode.preconditionFailed, "unknown delivery tag \(tag)") }
            run.finish()
            stats.ack += acked
            return
        }
        guard let taken = unacked.take(tag: tag, multiple: multiple) else {
            throw .channel(ReplyCode.preconditionFailed, "unknown delivery tag \(tag)")
        }
        settleTaken(taken, outcome: outcome)
    }

    /// Accumulates acknowledged deliveries per queue and settles each run with one call. Queues that keep
    /// records on disk get the entries (their records are settled); others only a count.
    struct AckRun {
        var queue: Queue?
        var count = 0
        var entries: [QueueEntry] = []
        var fromConsumer = false

        mutating func add(_ d: borrowing ChannelDelivery) {
            if queue !== d.queue { finish() }
            let q = d.queue
            queue = q
            count += 1
            if q.keepsRecords { entries.append(d.entry) }
            if let h = d.handle {
                h.releaseCredit()
                fromConsumer = true
            }
        }

        mutating func finish() {
            guard let q = queue, count > 0 else { return }
            if q.keepsRecords { q.acknowledged(entries) } else { q.acknowledged(count: count) }
            if fromConsumer { q.creditAvailable() }
            queue = nil
            count = 0
            entries.removeAll()
            fromConsumer = false
        }
    }

    /// Applies a settlement to deliveries, one call per run of deliveries from the same queue.
    func settleTaken(_ deliveries: [ChannelDelivery], outcome: Settlement) {
        var i = 0
        while i < deliveries.count {
            let q = deliveries[i].queue
            var j = i
            var fromConsumer = false
            while j < deliveries.count && deliveries[j].queue === q {
                if let h = deliveries[j].handle {
                    h.releaseCredit()
                    fromConsumer = true
                }
                j += 1
            }
            let run = deliveries[i..<j]
            switch outcome {
            case .ack:
                stats.ack += run.count
                if q.keepsRecords { q.acknowledged(run.map(\.entry)) } else { q.acknowledged(count: run.count) }
            case .requeue: q.requeue(run.map(\.entry))
            case .reject: q.rejected(run.map(\.entry))
            }
            if fromConsumer && outcome != .requeue { q.creditAvailable() }
            i = j
        }
    }

    /// basic.recover(-async): every unacknowledged delivery goes back to its queue, flagged redelivered.
    func recover(reply: Bool) {
        settleTaken(unacked.takeAll(), outcome: .requeue)
        if reply { connection.send(.basicRecoverOk(BasicRecoverOk()), channel: number) }
    }
}
