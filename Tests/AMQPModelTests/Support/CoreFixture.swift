import AMQPValues

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

    /// Declares a transient queue, exclusive to `exclusiveOwner` when given.
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
