/// The `[amqp]` section: AMQP 0-9-1 listeners and the limits offered in connection.tune (design §5).
public struct AMQPSection: Sendable, Equatable {
    /// `bind`: the address the AMQP listeners bind to.
    public var bind: String = "127.0.0.1"
    /// `port`: plain AMQP port; 0 picks an ephemeral port (used by tests).
    public var port: Int = 5672
    /// `tls_port`: AMQPS port, used when a certificate is configured.
    public var tlsPort: Int = 5671
    /// `heartbeat`: the heartbeat interval in seconds proposed in connection.tune; 0 disables heartbeats.
    public var heartbeat: UInt16 = 300
    /// `frame_max`: the largest frame in bytes proposed in connection.tune; at least 4096 (AMQP 0-9-1 §4.2.3).
    public var frameMax: UInt32 = 131072
    /// `channel_max`: the most channels per connection proposed in connection.tune; 0 means no limit beyond 65535.
    public var channelMax: UInt16 = 2048
    /// `max_message_size`: the largest message body in bytes accepted from a publisher.
    public var maxMessageSize: Int = 128 * 1024 * 1024

    /// The defaults.
    public init() {}
}
