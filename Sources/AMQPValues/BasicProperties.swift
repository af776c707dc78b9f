/// The content properties of a message (AMQP basic class content header).
///
/// The core reads `deliveryMode`, `expiration` and `headers`; the rest travels with the message.
public struct BasicProperties: Hashable, Sendable {
    public var contentType: ByteString?
    public var contentEncoding: ByteString?
    public var headers: FieldTable?
    /// 1 = transient, 2 = persistent.
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    public var correlationId: ByteString?
    public var replyTo: ByteString?
    /// Per-message TTL in milliseconds, as a decimal string.
    public var expiration: ByteString?
    public var messageId: ByteString?
    public var timestamp: UInt64?
    public var type: ByteString?
    public var userId: ByteString?
    public var appId: ByteString?
    /// Deprecated in 0-9-1 but still on the wire.
    public var clusterId: ByteString?

    /// Properties with nothing set.
    public init() {}

    /// True when the message asked to be persisted (delivery mode 2).
    @inlinable public var isPersistent: Bool { deliveryMode == 2 }

    /// The per-message TTL in milliseconds when `expiration` holds a valid non-negative integer.
    public var expirationMilliseconds: Int64? {
        guard let e = expiration, !e.isEmpty, e.count <= 18 else { return nil }
        var v: Int64 = 0
        for b in e.bytes {
            guard b >= 0x30, b <= 0x39 else { return nil }
            v = v * 10 + Int64(b - 0x30)
        }
        return v
    }
}
