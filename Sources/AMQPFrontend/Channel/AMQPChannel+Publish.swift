import AMQPModel
import AMQPValues
import AMQPWire
import Bytes

/// basic.publish, basic.return, publisher confirms (RabbitMQ extension) and the tx class.
extension AMQPChannel {
    /// Work of a transaction, applied at tx.commit and dropped at tx.rollback.
    struct Transaction {
        var publishes: [(message: Message, exchange: Exchange, mandatory: Bool)] = []
        var settlements: [(delivery: UnackedDeliveries.Delivery, outcome: Settlement)] = []
    }

    /// A completed basic.publish with its content: checks, then routes (or buffers it in a transaction).
    func publish(_ m: BasicPublish, properties: BasicProperties, body: [UInt8]) throws(AMQPError) {
        let ex = try publishTarget(m.exchange)
        try requireTopicPermission(.write, exchange: ex, key: m.routingKey)
        if let uid = properties.userId, uid.string != userName {
            throw .channel(
                ReplyCode.preconditionFailed,
                "user_id property set to '\(uid)' but authenticated user was '\(userName)'")
        }
        let message = Message(exchange: m.exchange, routingKey: m.routingKey, properties: properties, body: body)
        if transaction != nil {
            transaction!.publishes.append((message, ex, m.mandatory))
        } else {
            route(message, through: ex, mandatory: m.mandatory)
        }
    }

    /// The exchange to publish to, checked for existence, internal flag and write permission; cached while
    /// the channel keeps publishing to the same exchange and permissions do not change.
    private func publishTarget(_ name: ByteString) throws(AMQPError) -> Exchange {
        let revision = authorizer.decisionRevision
        if let c = publishCache, c.revision == revision, c.exchange.name == name, !c.exchange.isDeleted {
            return c.exchange
        }
        let ex = try exchange(name)
        if ex.isInternal {
            throw .channel(
                ReplyCode.accessRefused, "cannot publish to internal exchange '\(name)' in vhost '\(vhost.name)'")
        }
        try requirePermission(.write, "exchange", name)
        publishCache = (ex, revision)
        return ex
    }

    private func route(_ message: Message, through ex: Exchange, mandatory: Bool) {
        let result: VHost.PublishResult
        if ex.name.isEmpty {
            result = publishToDefaultExchange(message)
        } else {
            result = vhost.publish(message, through: ex, targets: &routeTargets)
        }
        if mandatory && result.enqueued == 0 && result.rejected == 0 {
            sendReturn(message)
        }
        if confirmMode {
            pendingConfirms.append((nextPublishSequence, result.rejected == 0, result.syncGeneration))
            nextPublishSequence += 1
            if pendingConfirms.count == 1 { connection.requestConfirmFlush(self) }
        }
        if let overloaded = result.overloaded { connection.throttle(on: overloaded) }
        if ResourceAlarm.isAlarmed { connection.blockPublishing() }
    }

    /// The default exchange routes to the queue named by the routing key; the last one is kept so a stream of
    /// publishes to one queue skips the vhost registry.
    private func publishToDefaultExchange(_ message: Message) -> VHost.PublishResult {
        if let q = defaultExchangeQueue, q.name == message.routingKey, !q.isDeleted {
            return vhost.publish(message, directlyTo: q)
        }
        guard let q = vhost.queue(named: message.routingKey) else {
            defaultExchangeQueue = nil
            return VHost.PublishResult()
        }
        defaultExchangeQueue = q
        return vhost.publish(message, directlyTo: q)
    }

    private func sendReturn(_ message: Message) {
        let frameMax = connection.frameMax
        let channel = number
        let method = AMQPMethod.basicReturn(
            BasicReturn(
                replyCode: ReplyCode.noRoute, replyText: "NO_ROUTE", exchange: message.exchange,
                routingKey: message.routingKey))
        connection.connection.write { out in
            message.body.withUnsafeBytes { body in
                FrameEncoder.writeContent(
                    method, properties: message.properties, body: body, channel: channel, frameMax: frameMax, into: &out
                )
            }
        }
    }

    /// Sends the confirms that are due, in publish order: a message written to disk is confirmed only after its
    /// sync generation completed (a failed sync turns its ack into a nack). Runs of acks collapse into one
    /// `multiple` ack; nacks go one by one.
    func flushConfirms() {
        guard state == .open, !pendingConfirms.isEmpty else {
            pendingConfirms.removeAll()
            return
        }
        let coordinator = connection.server.broker.storage?.coordinator
        var runStart: UInt64?
        var runEnd: UInt64 = 0
        func flushRun() {
            guard let start = runStart else { return }
            connection.send(.basicAck(BasicAck(deliveryTag: runEnd, multiple: runEnd > start)), channel: number)
            runStart = nil
        }
        var sent = 0
        for (seq, accepted, generation) in pendingConfirms {
            var ack = accepted
            if generation > 0, let coordinator {
                guard let durable = coordinator.outcome(generation) else {
                    awaitConfirms(generation, coordinator)
                    break
                }
                ack = ack && durable
            }
            if ack {
                if runStart == nil { runStart = seq }
                runEnd = seq
            } else {
                flushRun()
                connection.send(
                    .basicNack(BasicNack(deliveryTag: seq, multiple: false, requeue: false)), channel: number)
            }
            sent += 1
        }
        flushRun()
        pendingConfirms.removeFirst(sent)
    }

    /// Flushes confirms again on this channel's loop once `generation` is durable.
    private func awaitConfirms(_ generation: UInt64, _ coordinator: SyncCoordinator) {
        guard awaitedGeneration != generation else { return }
        awaitedGeneration = generation
        let loop = connection.eventLoop
        let ref = AMQPConnectionRef(connection)
        let channel = number
        coordinator.whenDurable(generation) { _ in
            loop.execute {
                guard let c = ref.connection, let ch = c.channels[channel] else { return }
                ch.awaitedGeneration = 0
                ch.flushConfirms()
            }
        }
    }

    func confirmSelect(_ m: ConfirmSelect) throws(AMQPError) {
        if transaction != nil {
            throw .channel(ReplyCode.preconditionFailed, "cannot switch from tx to confirm mode")
        }
        confirmMode = true
        if !m.nowait { connection.send(.confirmSelectOk(ConfirmSelectOk()), channel: number) }
    }

    // MARK: - Transactions

    func txSelect() throws(AMQPError) {
        if confirmMode {
            throw .channel(ReplyCode.preconditionFailed, "cannot switch from confirm to tx mode")
        }
        if transaction == nil { transaction = Transaction() }
        connection.send(.txSelectOk(TxSelectOk()), channel: number)
    }

    func txCommit() throws(AMQPError) {
        guard let tx = transaction else {
            throw .channel(ReplyCode.preconditionFailed, "channel is not transactional")
        }
        transaction = Transaction()
        for p in tx.publishes { route(p.message, through: p.exchange, mandatory: p.mandatory) }
        for outcome in [Settlement.ack, .requeue, .reject] {
            let group = tx.settlements.filter { $0.outcome == outcome }.map(\.delivery)
            if !group.isEmpty { settleTaken(group, outcome: outcome) }
        }
        connection.send(.txCommitOk(TxCommitOk()), channel: number)
    }

    func txRollback() throws(AMQPError) {
        guard let tx = transaction else {
            throw .channel(ReplyCode.preconditionFailed, "channel is not transactional")
        }
        transaction = Transaction()
        unacked.restore(tx.settlements.map(\.delivery))
        connection.send(.txRollbackOk(TxRollbackOk()), channel: number)
    }
}
