import AMQPValues
import AMQPWire

/// One instance of every AMQP method, with values that differ from the defaults so a field that is
/// dropped, swapped or mis-packed on the wire cannot go unnoticed. Bits alternate within a packed octet.
enum MethodSamples {
    static let arguments: FieldTable = [
        "x-message-ttl": .int32(60_000),
        "x-dead-letter-exchange": .string("dlx"),
        "x-nested": .table(["depth": .uint8(2), "list": .array([.bool(true), .void])]),
    ]

    static let all: [AMQPMethod] = [
        .connectionStart(
            ConnectionStart(
                versionMajor: 1, versionMinor: 2,
                serverProperties: ["product": .string("Gateway"), "capabilities": .table(["publisher_confirms": .bool(true)])],
                mechanisms: Array("PLAIN AMQPLAIN".utf8), locales: Array("en_US de_DE".utf8))),
        .connectionStartOk(
            ConnectionStartOk(
                clientProperties: ["product": .string("pika")], mechanism: "AMQPLAIN", response: [0, 1, 2, 0xFF],
                locale: "de_DE")),
        .connectionSecure(ConnectionSecure(challenge: Array("challenge".utf8))),
        .connectionSecureOk(ConnectionSecureOk(response: Array("answer".utf8))),
        .connectionTune(ConnectionTune(channelMax: 2047, frameMax: 131_072, heartbeat: 60)),
        .connectionTuneOk(ConnectionTuneOk(channelMax: 1024, frameMax: 65_536, heartbeat: 30)),
        .connectionOpen(ConnectionOpen(virtualHost: "vhost-1", capabilities: "caps", insist: true)),
        .connectionOpenOk(ConnectionOpenOk(knownHosts: "host:5672")),
        .connectionClose(
            ConnectionClose(replyCode: 320, replyText: "CONNECTION_FORCED - shutdown", classId: 60, methodId: 40)),
        .connectionCloseOk(ConnectionCloseOk()),
        .connectionBlocked(ConnectionBlocked(reason: "low on memory")),
        .connectionUnblocked(ConnectionUnblocked()),
        .connectionUpdateSecret(ConnectionUpdateSecret(newSecret: Array("eyJ.token".utf8), reason: "refresh")),
        .connectionUpdateSecretOk(ConnectionUpdateSecretOk()),
        .channelOpen(ChannelOpen(outOfBand: "oob")),
        .channelOpenOk(ChannelOpenOk(channelId: [7, 8, 9])),
        .channelFlow(ChannelFlow(active: true)),
        .channelFlowOk(ChannelFlowOk(active: true)),
        .channelClose(ChannelClose(replyCode: 404, replyText: "NOT_FOUND - no queue 'q'", classId: 50, methodId: 10)),
        .channelCloseOk(ChannelCloseOk()),
        .accessRequest(
            AccessRequest(realm: "/other", exclusive: true, passive: false, active: true, write: false, read: true)),
        .accessRequestOk(AccessRequestOk(ticket: 77)),
        .exchangeDeclare(
            ExchangeDeclare(
                ticket: 3, exchange: "logs", type: "topic", passive: true, durable: false, autoDelete: true,
                internal: false, nowait: true, arguments: arguments)),
        .exchangeDeclareOk(ExchangeDeclareOk()),
        .exchangeDelete(ExchangeDelete(ticket: 4, exchange: "old", ifUnused: true, nowait: false)),
        .exchangeDeleteOk(ExchangeDeleteOk()),
        .exchangeBind(
            ExchangeBind(
                ticket: 5, destination: "dst", source: "src", routingKey: "a.*", nowait: true, arguments: arguments)),
        .exchangeBindOk(ExchangeBindOk()),
        .exchangeUnbind(
            ExchangeUnbind(
                ticket: 6, destination: "dst", source: "src", routingKey: "a.#", nowait: true, arguments: arguments)),
        .exchangeUnbindOk(ExchangeUnbindOk()),
        .queueDeclare(
            QueueDeclare(
                ticket: 7, queue: "jobs", passive: false, durable: true, exclusive: false, autoDelete: true,
                nowait: false, arguments: arguments)),
        .queueDeclareOk(QueueDeclareOk(queue: "amq.gen-abc", messageCount: 12, consumerCount: 3)),
        .queueBind(
            QueueBind(ticket: 8, queue: "jobs", exchange: "logs", routingKey: "k", nowait: true, arguments: arguments)),
        .queueBindOk(QueueBindOk()),
        .queuePurge(QueuePurge(ticket: 9, queue: "jobs", nowait: true)),
        .queuePurgeOk(QueuePurgeOk(messageCount: 42)),
        .queueDelete(QueueDelete(ticket: 10, queue: "jobs", ifUnused: false, ifEmpty: true, nowait: true)),
        .queueDeleteOk(QueueDeleteOk(messageCount: 5)),
        .queueUnbind(QueueUnbind(ticket: 11, queue: "jobs", exchange: "logs", routingKey: "k", arguments: arguments)),
        .queueUnbindOk(QueueUnbindOk()),
        .basicQos(BasicQos(prefetchSize: 1024, prefetchCount: 100, global: true)),
        .basicQosOk(BasicQosOk()),
        .basicConsume(
            BasicConsume(
                ticket: 12, queue: "jobs", consumerTag: "ctag-1", noLocal: true, noAck: false, exclusive: true,
                nowait: false, arguments: ["x-priority": .int32(5)])),
        .basicConsumeOk(BasicConsumeOk(consumerTag: "ctag-1")),
        .basicCancel(BasicCancel(consumerTag: "ctag-1", nowait: true)),
        .basicCancelOk(BasicCancelOk(consumerTag: "ctag-1")),
        .basicPublish(BasicPublish(ticket: 13, exchange: "logs", routingKey: "a.b.c", mandatory: true, immediate: false)),
        .basicReturn(BasicReturn(replyCode: 312, replyText: "NO_ROUTE", exchange: "logs", routingKey: "nowhere")),
        .basicDeliver(
            BasicDeliver(
                consumerTag: "ctag-1", deliveryTag: 0x0102_0304_0506_0708, redelivered: true, exchange: "logs",
                routingKey: "a.b.c")),
        .basicGet(BasicGet(ticket: 14, queue: "jobs", noAck: true)),
        .basicGetOk(
            BasicGetOk(deliveryTag: 99, redelivered: true, exchange: "logs", routingKey: "a.b", messageCount: 7)),
        .basicGetEmpty(BasicGetEmpty(clusterId: "cluster")),
        .basicAck(BasicAck(deliveryTag: 1000, multiple: true)),
        .basicReject(BasicReject(deliveryTag: 1001, requeue: false)),
        .basicRecoverAsync(BasicRecoverAsync(requeue: true)),
        .basicRecover(BasicRecover(requeue: true)),
        .basicRecoverOk(BasicRecoverOk()),
        .basicNack(BasicNack(deliveryTag: 1002, multiple: true, requeue: false)),
        .txSelect(TxSelect()),
        .txSelectOk(TxSelectOk()),
        .txCommit(TxCommit()),
        .txCommitOk(TxCommitOk()),
        .txRollback(TxRollback()),
        .txRollbackOk(TxRollbackOk()),
        .confirmSelect(ConfirmSelect(nowait: true)),
        .confirmSelectOk(ConfirmSelectOk()),
    ]
}
