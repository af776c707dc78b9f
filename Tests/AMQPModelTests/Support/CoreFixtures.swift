@testable import AMQPModel

/// Builders shared by the core tests: a vhost on a recording scheduler, messages, consumers.
struct CoreFixture {
    let scheduler = RecordingScheduler()
    let vhost: VHost
    /// The connection id tests declare with.
    let connection: UInt64 = 1

    init() {
        vhost = VHost(name: "/", scheduler: scheduler)
    }

    /// Declares a transient, non-exclusive queue (or fails the test by trapping on a core error).
    @discardableResult
    func queue(
        _ name: ByteString, autoDelete: Bool = false, exclusiveOwner: UInt64? = nil, arguments: FieldTable = [:]
    ) throws(BrokerError) -> Queue {
        try vhost.declareQueue(
            name: name, durable: false, exclusiveOwner: exclusiveOwner, autoDelete: autoDelete,
            arguments: arguments, connection: exclusiveOwner ?? connection
        ).queue
    }

    @discardableResult
    func exchange(_ name: ByteString, _ type: String, autoDelete: Bool = false) throws(BrokerError) -> Exchange {
        try vhost.declareExchange(
            name: name, type: type, durable: false, autoDelete: autoDelete, isInternal: false, arguments: [:])
    }

    /// Publishes `body` to `exchange` with `key` through `VHost.publish`.
    @discardableResult
    func publish(
        _ body: String, to exchange: ByteString = "", key: ByteString, properties: BasicProperties = BasicProperties()
    ) -> VHost.PublishResult {
        vhost.publish(message(body, exchange: exchange, key: key, properties: properties), to: exchange, mandatory: false)
    }

    /// Takes up to `limit` ready messages with basic.get (no-ack) and returns their bodies.
    func bodies(of queue: Queue, limit: Int = 1_000) -> [String] {
        var result: [String] = []
        while result.count < limit, let (entry, _) = queue.get(noAck: true) {
            result.append(entry.message.bodyString)
        }
        return result
    }
}

func message(
    _ body: String, exchange: ByteString = "", key: ByteString = "", properties: BasicProperties = BasicProperties()
) -> Message {
    Message(exchange: exchange, routingKey: key, properties: properties, body: Array(body.utf8))
}

func properties(expiration: String? = nil, headers: FieldTable? = nil) -> BasicProperties {
    var p = BasicProperties()
    if let expiration { p.expiration = ByteString(expiration) }
    p.headers = headers
    return p
}

/// A subscription with its own consumer object (kept alive by the caller: the handle holds it weakly).
struct TestSubscription {
    let handle: ConsumerHandle
    let consumer: RecordingConsumer

    init(_ queue: Queue, tag: ByteString, prefetch: Int = 0, noAck: Bool = false, exclusive: Bool = false) {
        consumer = RecordingConsumer()
        handle = ConsumerHandle(
            tag: tag, queue: queue, noAck: noAck, exclusive: exclusive, credit: PrefetchCredit(limit: prefetch),
            channelCredit: nil, channelID: 1, consumer: consumer)
    }

    /// Drains the pending list as a channel would, returning the entries.
    func take() -> [QueueEntry] {
        var batch: [QueueEntry] = []
        handle.queue.takePending(for: handle, into: &batch)
        // A channel releases the write window once the deliveries are written.
        handle.window.release(batch.count)
        return batch
    }

    /// Bodies of the drained pending list.
    func takeBodies() -> [String] { take().map(\.message.bodyString) }
}

extension Message {
    var bodyString: String { String(decoding: body, as: UTF8.self) }
}

extension FieldValue {
    /// The string of a long string value, for assertions.
    var text: String? {
        if case .longString(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }
}
