import AMQPValues

/// The `x-` arguments of a queue, validated once at declare time.
public struct QueueArguments: Sendable, Equatable {
    /// What happens when a publish would exceed `maxLength` or `maxLengthBytes`.
    public enum Overflow: String, Sendable {
        /// Drop (dead-letter) the oldest ready message.
        case dropHead = "drop-head"
        /// Refuse the new message (publisher gets basic.nack in confirm mode).
        case rejectPublish = "reject-publish"
    }

    /// x-message-ttl in milliseconds.
    public var messageTTL: Int64?
    /// x-expires in milliseconds: delete the queue after this long unused.
    public var expires: Int64?
    /// x-max-length: most ready messages.
    public var maxLength: Int?
    /// x-max-length-bytes: most ready body bytes.
    public var maxLengthBytes: Int?
    /// x-overflow.
    public var overflow: Overflow = .dropHead
    /// x-dead-letter-exchange.
    public var deadLetterExchange: ByteString?
    /// x-dead-letter-routing-key.
    public var deadLetterRoutingKey: ByteString?

    /// No limits.
    public init() {}

    /// Arguments held by reference, so a queue carries a pointer instead of the whole struct.
    final class Box: Sendable {
        /// The box every queue without limits shares.
        static let none = Box(QueueArguments())

        let value: QueueArguments

        init(_ value: QueueArguments) {
            self.value = value
        }

        /// A box holding `value`: the shared one when there are no limits.
        static func holding(_ value: QueueArguments) -> Box {
            value == QueueArguments() ? none : Box(value)
        }
    }

    /// The limits of a queue declared with `arguments` in a vhost whose matching policy has `policy` (RabbitMQ's
    /// policy keys without `x-`): each key the arguments give wins over the policy's, as in RabbitMQ.
    public init(arguments: FieldTable, policy: FieldTable?) throws(BrokerError) {
        guard let policy, !policy.entries.isEmpty else {
            try self.init(arguments)
            return
        }
        var merged: [(key: ByteString, value: FieldValue)] = policy.entries.map { (ByteString("x-" + $0.key.string), $0.value) }
        for (key, value) in arguments.entries {
            merged.removeAll { $0.key == key }
            merged.append((key, value))
        }
        try self.init(FieldTable(merged))
    }

    /// Parses and validates `table`; unknown arguments are kept in the table but ignored, as RabbitMQ does.
    public init(_ table: FieldTable) throws(BrokerError) {
        for (key, value) in table.entries {
            switch key.string {
            case "x-message-ttl":
                messageTTL = try Self.integer(value, key, min: 0)
            case "x-expires":
                expires = try Self.integer(value, key, min: 1)
            case "x-max-length":
                maxLength = Int(try Self.integer(value, key, min: 0))
            case "x-max-length-bytes":
                maxLengthBytes = Int(try Self.integer(value, key, min: 0))
            case "x-overflow":
                guard let s = value.stringValue, let o = Overflow(rawValue: s) else {
                    throw BrokerError(
                        .preconditionFailed, "invalid arg 'x-overflow': expected drop-head or reject-publish")
                }
                overflow = o
            case "x-dead-letter-exchange":
                guard let s = value.stringValue else {
                    throw BrokerError(.preconditionFailed, "invalid arg 'x-dead-letter-exchange': expected a string")
                }
                deadLetterExchange = ByteString(s)
            case "x-dead-letter-routing-key":
                guard let s = value.stringValue else {
                    throw BrokerError(.preconditionFailed, "invalid arg 'x-dead-letter-routing-key': expected a string")
                }
                deadLetterRoutingKey = ByteString(s)
            default:
                continue
            }
        }
        if deadLetterRoutingKey != nil && deadLetterExchange == nil {
            throw BrokerError(
                .preconditionFailed, "invalid arg 'x-dead-letter-routing-key': requires x-dead-letter-exchange")
        }
    }

    private static func integer(_ v: FieldValue, _ key: ByteString, min: Int64) throws(BrokerError) -> Int64 {
        guard let i = v.intValue, i >= min else {
            throw BrokerError(.preconditionFailed, "invalid arg '\(key)': expected an integer >= \(min)")
        }
        return i
    }
}
