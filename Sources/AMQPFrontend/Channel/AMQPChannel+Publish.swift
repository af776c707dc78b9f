import AMQPModel
import AMQPValues
import AMQPWire
import Bytes
import FrontendSupport

/// basic.publish, basic.return, publisher confirms (RabbitMQ extension) and the tx class.
extension AMQPChannel {
    /// Work of a transaction, applied at tx.commit and dropped at tx.rollback.
    struct Transaction {
        var publishes: [(message: Message, exchange: Exchange, mandatory: Bool)] = []
        var settlements: [(delivery: ChannelDelivery, outcome: Settlement)] = []
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
        let message = Message(exchange: m.exchange, routingKey: m.routingKey, properties: properties, body: body,
            alarm: connection.alarm)
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
        stats.publish += 1
        if ex !== statsExchange {
            reportExchangeStats()
            statsExchange = ex
        }
        exchangeDelta.publishIn += 1
        if result.enqueued > 0 { exchangeDelta.publishOut += 1 }
        if mandatory && result.enqueued == 0 && result.rejected == 0 {
            stats.returnUnroutable += 1
            sendReturn(message)
        }
        if confirmMode && confirms.published(accepted: result.rejected == 0, generation: result.syncGeneration) {
            connection.requestConfirmFlush(self)
        }
        connection.publishRouted(overloaded: result.overloaded, alarm: connection.alarm)
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

    /// Sends the confirms that are due (`PublisherConfirms`); if a sync generation holds the rest back, flushes
    /// again on this loop once it completed.
    func flushConfirms() {
        guard state == .open else {
            confirms.removeAll()
            return
        }
        let coordinator = connection.server.broker.storage?.coordinator
        let wait = confirms.flush(outcome: { SyncCoordinator.outcome($0, in: coordinator) }) { confirm in
            switch confirm {
            case .ack(let tag, let multiple):
                connection.send(.basicAck(BasicAck(deliveryTag: tag, multiple: multiple)), channel: number, last: true)
            case .nack(let tag):
                connection.send(
                    .basicNack(BasicNack(deliveryTag: tag, multiple: false, requeue: false)), channel: number,
                    last: true)
            }
        }
        guard let wait, let coordinator else { return }
        let channel = number
        // Strong, like the MQTT acknowledgements' wait: a closed connection has no channels left to confirm on.
        let owner = connection
        coordinator.whenDurable(wait, on: owner.eventLoop) {
            guard let ch = owner.channels[channel] else { return }
            ch.confirms.waitEnded()
            ch.flushConfirms()
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
