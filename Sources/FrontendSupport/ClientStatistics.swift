/// The counters of the open client connections at one moment, read on their own loops (`LoopHarvest`): what the
/// management plane shows per connection and per channel.
public struct ClientStatistics: Sendable {
    /// Socket bytes of one connection (ciphertext over TLS), RabbitMQ's `recv_oct` and `send_oct`.
    public struct Traffic: Sendable, Equatable {
        public var received: UInt64
        public var sent: UInt64

        public init(received: UInt64, sent: UInt64) {
            self.received = received
            self.sent = sent
        }
    }

    /// One AMQP channel: its connection's name and its number.
    public struct ChannelKey: Hashable, Sendable {
        public let connection: String
        public let number: UInt16

        public init(connection: String, number: UInt16) {
            self.connection = connection
            self.number = number
        }
    }

    /// The traffic of each logged-in connection, by connection name.
    public var traffic: [String: Traffic] = [:]
    /// The counters of each open AMQP channel.
    public var channels: [ChannelKey: ChannelStats] = [:]

    public init() {}

    /// Adds the entries of `other` (gathered on another loop or by the other frontend).
    public mutating func merge(_ other: ClientStatistics) {
        traffic.merge(other.traffic) { a, _ in a }
        channels.merge(other.channels) { a, _ in a }
    }
}
