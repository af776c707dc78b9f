import AMQPModel
import AMQPValues
import AMQPWire
import Auth

/// Exchange and queue class methods (AMQP 0-9-1 §4.2.5–4.2.6) with RabbitMQ's permission checks:
/// declare and delete need configure; bind needs write on the destination and read on the source.
extension AMQPChannel {
    // MARK: - Permission helpers

    func requirePermission(_ kind: PermissionKind, _ what: String, _ name: ByteString) throws(AMQPError) {
        let resource: ByteString = name.isEmpty && what == "exchange" ? "amq.default" : name
        guard authorizer.isAllowed(kind, resource: resource) else {
            throw .channel(
                ReplyCode.accessRefused,
                "\(kind) access to \(what) '\(resource)' in vhost '\(vhost.name)' refused for user '\(userName)'")
        }
    }

    func requireTopicPermission(_ access: TopicAccess, exchange: Exchange, key: ByteString) throws(AMQPError) {
        guard exchange.type == .topic || exchange.type == .mqtt else { return }
        guard authorizer.isTopicAllowed(access, exchange: exchange.name, routingKey: key) else {
            throw .channel(
                ReplyCode.accessRefused,
                "\(access) access to topic '\(key)' in exchange '\(exchange.name)' in vhost '\(vhost.name)' refused for user '\(userName)'"
            )
        }
    }

    static func refuseReserved(_ what: String, _ name: ByteString) throws(AMQPError) {
        if name.hasPrefix("amq.") {
            throw .channel(ReplyCode.accessRefused, "\(what) name '\(name)' contains reserved prefix 'amq.*'")
        }
        if name.hasPrefix("mqtt.") {
            throw .channel(ReplyCode.accessRefused, "\(what) name '\(name)' is reserved for the MQTT frontend")
        }
    }

    func exchange(_ name: ByteString) throws(AMQPError) -> Exchange {
        guard let e = vhost.exchange(named: name) else {
            throw .channel(ReplyCode.notFound, "no exchange '\(name)' in vhost '\(vhost.name)'")
        }
        return e
    }

    /// The queue named `name`; an empty name means the last queue declared on this channel.
    func queue(_ name: ByteString) throws(AMQPError) -> Queue {
        let resolved = name.isEmpty ? (lastQueueName ?? name) : name
        guard let q = vhost.queue(named: resolved) else {
            throw .channel(ReplyCode.notFound, "no queue '\(resolved)' in vhost '\(vhost.name)'")
        }
        do { try VHost.checkExclusive(q, connection: connection.id, vhost: vhost.name) } catch {
            throw AMQPError(error)
        }
        return q
    }

    func resolvedQueueName(_ name: ByteString) -> ByteString { name.isEmpty ? (lastQueueName ?? name) : name }

    // MARK: - Exchange class

    func exchangeDeclare(_ m: ExchangeDeclare) throws(AMQPError) {
        if m.passive {
            _ = try exchange(m.exchange)
        } else {
            if m.exchange.isEmpty {
                throw .channel(ReplyCode.accessRefused, "operation not permitted on the default exchange")
            }
            try Self.refuseReserved("exchange", m.exchange)
            try requirePermission(.configure, "exchange", m.exchange)
            do {
                _ = try vhost.declareExchange(
                    name: m.exchange, type: m.type.string, durable: m.durable, autoDelete: m.autoDelete,
                    isInternal: m.internal, arguments: m.arguments)
            } catch { throw AMQPError(error) }
        }
        if !m.nowait { connection.send(.exchangeDeclareOk(ExchangeDeclareOk()), channel: number) }
    }

    func exchangeDelete(_ m: ExchangeDelete) throws(AMQPError) {
        if m.exchange.isEmpty {
            throw .channel(ReplyCode.accessRefused, "operation not permitted on the default exchange")
        }
        try Self.refuseReserved("exchange", m.exchange)
        try requirePermission(.configure, "exchange", m.exchange)
        do {
            try vhost.deleteExchange(name: m.exchange, ifUnused: m.ifUnused)
        } catch let error where error.kind == .notFound {
            // RabbitMQ: deleting an exchange that does not exist succeeds.
        } catch { throw AMQPError(error) }
        if !m.nowait { connection.send(.exchangeDeleteOk(ExchangeDeleteOk()), channel: number) }
    }

    func exchangeBind(_ m: ExchangeBind) throws(AMQPError) {
        try changeBinding(bind: true, exchange: m.destination, from: m.source, key: m.routingKey, m.arguments)
        if !m.nowait { connection.send(.exchangeBindOk(ExchangeBindOk()), channel: number) }
    }

    func exchangeUnbind(_ m: ExchangeUnbind) throws(AMQPError) {
        try changeBinding(bind: false, exchange: m.destination, from: m.source, key: m.routingKey, m.arguments)
        if !m.nowait { connection.send(.exchangeUnbindOk(ExchangeUnbindOk()), channel: number) }
    }

    /// Binds or unbinds a queue (`queue` given) or an exchange (`exchange` given) to `source`, with RabbitMQ's
    /// checks: write on the destination, read on the source, and the topic permission's read pattern on the key.
    private func changeBinding(
        bind: Bool, queue queueName: ByteString? = nil, exchange exchangeName: ByteString? = nil,
        from sourceName: ByteString, key: ByteString, _ arguments: FieldTable
    ) throws(AMQPError) {
        if let queueName {
            try requirePermission(.write, "queue", queueName)
        } else if let exchangeName {
            try requirePermission(.write, "exchange", exchangeName)
        }
        try requirePermission(.read, "exchange", sourceName)
        let destination: Destination =
            if let queueName { .queue(try queue(queueName)) } else { .exchange(try exchange(exchangeName ?? "")) }
        let source = try exchange(sourceName)
        try requireTopicPermission(.read, exchange: source, key: key)
        do {
            if bind {
                try vhost.bind(destination, to: sourceName, key: key, arguments: arguments)
            } else {
                try vhost.unbind(destination, from: sourceName, key: key, arguments: arguments)
            }
        } catch { throw AMQPError(error) }
    }

    // MARK: - Queue class

    func queueDeclare(_ m: QueueDeclare) throws(AMQPError) {
        let q: Queue
        if m.passive {
            q = try queue(m.queue)
        } else {
            let generated = m.queue.isEmpty
            let name = generated ? ServerNames.generate(prefix: "amq.gen-") : m.queue
            if !generated { try Self.refuseReserved("queue", name) }
            try requirePermission(.configure, "queue", name)
            do {
                q = try vhost.declareQueue(
                    name: name, durable: m.durable, exclusiveOwner: m.exclusive ? connection.id : nil,
                    autoDelete: m.autoDelete, arguments: m.arguments, connection: connection.id
                ).queue
            } catch { throw AMQPError(error) }
        }
        lastQueueName = q.name
        if !m.nowait {
            connection.send(
                .queueDeclareOk(
                    QueueDeclareOk(
                        queue: q.name, messageCount: UInt32(clamping: q.messageCount),
                        consumerCount: UInt32(clamping: q.consumerCount))),
                channel: number)
        }
    }

    func queueBind(_ m: QueueBind) throws(AMQPError) {
        try changeBinding(
            bind: true, queue: resolvedQueueName(m.queue), from: m.exchange, key: m.routingKey, m.arguments)
        if !m.nowait { connection.send(.queueBindOk(QueueBindOk()), channel: number) }
    }

    func queueUnbind(_ m: QueueUnbind) throws(AMQPError) {
        try changeBinding(
            bind: false, queue: resolvedQueueName(m.queue), from: m.exchange, key: m.routingKey, m.arguments)
        connection.send(.queueUnbindOk(QueueUnbindOk()), channel: number)
    }

    func queuePurge(_ m: QueuePurge) throws(AMQPError) {
        let name = resolvedQueueName(m.queue)
        try requirePermission(.read, "queue", name)
        let q = try queue(name)
        let count = q.purge()
        if !m.nowait {
            connection.send(.queuePurgeOk(QueuePurgeOk(messageCount: UInt32(clamping: count))), channel: number)
        }
    }

    func queueDelete(_ m: QueueDelete) throws(AMQPError) {
        let name = resolvedQueueName(m.queue)
        if name.hasPrefix("mqtt.") { try Self.refuseReserved("queue", name) }
        try requirePermission(.configure, "queue", name)
        var count = 0
        do {
            count = try vhost.deleteQueue(
                name: name, ifUnused: m.ifUnused, ifEmpty: m.ifEmpty, connection: connection.id)
        } catch let error where error.kind == .notFound {
            // RabbitMQ: deleting a queue that does not exist succeeds with a count of 0.
        } catch { throw AMQPError(error) }
        if !m.nowait {
            connection.send(.queueDeleteOk(QueueDeleteOk(messageCount: UInt32(clamping: count))), channel: number)
        }
    }
}
