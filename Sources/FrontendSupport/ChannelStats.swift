/// An AMQP channel's message counters since it opened (RabbitMQ's channel `message_stats`). Plain fields of the
/// channel, touched only on its connection's loop; the management plane reads them there (`LoopHarvest`).
public struct ChannelStats: Sendable, Equatable {
    /// basic.publish received.
    public var publish = 0
    /// Publishes confirmed with basic.ack (confirm mode).
    public var confirm = 0
    /// Mandatory publishes that reached no queue and came back as basic.return.
    public var returnUnroutable = 0
    /// Messages sent to consumers (basic.deliver).
    public var deliver = 0
    /// Messages sent in answer to basic.get.
    public var get = 0
    /// Of the delivered and fetched messages, those delivered before.
    public var redeliver = 0
    /// Deliveries acknowledged by the client.
    public var ack = 0

    public init() {}
}
