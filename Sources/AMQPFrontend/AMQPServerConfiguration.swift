/// Limits and policies of the AMQP listener, fixed at start.
public struct AMQPServerConfiguration: Sendable {
    /// Largest frame we accept and offer in connection.tune (bytes, including the 8-byte envelope).
    public var frameMax: UInt32 = 131_072
    /// Most channels per connection offered in connection.tune.
    public var channelMax: UInt16 = 2048
    /// Heartbeat interval offered in connection.tune (seconds; 0 disables).
    public var heartbeat: UInt16 = 300
    /// Largest message body accepted; larger content headers are refused before any allocation.
    public var maxMessageSize: Int = 128 * 1024 * 1024
    /// A connection must finish the handshake (up to connection.open) within this many seconds.
    public var handshakeTimeout: Int = 10
    /// The default user's name; it may log in only from loopback when `defaultUserOnlyLoopback` is set.
    public var defaultUser: String = "guest"
    /// Restrict the default user to loopback peers.
    public var defaultUserOnlyLoopback: Bool = true

    /// The defaults.
    public init() {}
}
