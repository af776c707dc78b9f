/// The content properties of a message (AMQP basic class content header).
///
/// The core reads `deliveryMode`, `expiration` and `headers`; the rest travels with the message.
///
/// A value type with copy-on-write storage: the fields live in one shared object, allocated on the first field set,
/// so copying the properties of a message (which the publish path does several times) is one reference count
/// instead of one per field, and properties with nothing set allocate nothing.
public struct BasicProperties: Hashable, Sendable {
    private var storage: Storage?

    /// Properties with nothing set.
    public init() {}

    public var contentType: ByteString? {
        get { storage?.contentType }
        set { if newValue != nil || storage != nil { unique().contentType = newValue } }
    }
    public var contentEncoding: ByteString? {
        get { storage?.contentEncoding }
        set { if newValue != nil || storage != nil { unique().contentEncoding = newValue } }
    }
    public var headers: FieldTable? {
        get { storage?.headers }
        set { if newValue != nil || storage != nil { unique().headers = newValue } }
    }
    /// 1 = transient, 2 = persistent.
    public var deliveryMode: UInt8? {
        get { storage?.deliveryMode }
        set { if newValue != nil || storage != nil { unique().deliveryMode = newValue } }
    }
    public var priority: UInt8? {
        get { storage?.priority }
        set { if newValue != nil || storage != nil { unique().priority = newValue } }
    }
    public var correlationId: ByteString? {
        get { storage?.correlationId }
        set { if newValue != nil || storage != nil { unique().correlationId = newValue } }
    }
    public var replyTo: ByteString? {
        get { storage?.replyTo }
        set { if newValue != nil || storage != nil { unique().replyTo = newValue } }
    }
    /// Per-message TTL in milliseconds, as a decimal string.
    public var expiration: ByteString? {
        get { storage?.expiration }
        set { if newValue != nil || storage != nil { unique().expiration = newValue } }
    }
    public var messageId: ByteString? {
        get { storage?.messageId }
        set { if newValue != nil || storage != nil { unique().messageId = newValue } }
    }
    public var timestamp: UInt64? {
        get { storage?.timestamp }
        set { if newValue != nil || storage != nil { unique().timestamp = newValue } }
    }
    public var type: ByteString? {
        get { storage?.type }
        set { if newValue != nil || storage != nil { unique().type = newValue } }
    }
    public var userId: ByteString? {
        get { storage?.userId }
        set { if newValue != nil || storage != nil { unique().userId = newValue } }
    }
    public var appId: ByteString? {
        get { storage?.appId }
        set { if newValue != nil || storage != nil { unique().appId = newValue } }
    }
    /// Deprecated in 0-9-1 but still on the wire.
    public var clusterId: ByteString? {
        get { storage?.clusterId }
        set { if newValue != nil || storage != nil { unique().clusterId = newValue } }
    }

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

    public static func == (lhs: BasicProperties, rhs: BasicProperties) -> Bool {
        if lhs.storage === rhs.storage { return true }
        return (lhs.storage ?? Storage.empty).fieldsEqual(rhs.storage ?? Storage.empty)
    }

    public func hash(into hasher: inout Hasher) {
        (storage ?? Storage.empty).hashFields(into: &hasher)
    }

    /// The storage, copied first when it is shared (or created when there is none), ready to be written.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.map(Storage.init(copying:)) ?? Storage() }
        return storage.unsafelyUnwrapped
    }

    /// The fields. Written only through `unique()`, so an instance reachable from more than one value (and so
    /// possibly from more than one thread) is never mutated.
    private final class Storage: @unchecked Sendable {
        var contentType: ByteString?
        var contentEncoding: ByteString?
        var headers: FieldTable?
        var deliveryMode: UInt8?
        var priority: UInt8?
        var correlationId: ByteString?
        var replyTo: ByteString?
        var expiration: ByteString?
        var messageId: ByteString?
        var timestamp: UInt64?
        var type: ByteString?
        var userId: ByteString?
        var appId: ByteString?
        var clusterId: ByteString?

        /// Nothing set: what comparing and hashing read for properties without storage (never written).
        static let empty = Storage()

        init() {}

        init(copying other: Storage) {
            contentType = other.contentType
            contentEncoding = other.contentEncoding
            headers = other.headers
            deliveryMode = other.deliveryMode
            priority = other.priority
            correlationId = other.correlationId
            replyTo = other.replyTo
            expiration = other.expiration
            messageId = other.messageId
            timestamp = other.timestamp
            type = other.type
            userId = other.userId
            appId = other.appId
            clusterId = other.clusterId
        }

        func fieldsEqual(_ o: Storage) -> Bool {
            contentType == o.contentType && contentEncoding == o.contentEncoding && headers == o.headers
                && deliveryMode == o.deliveryMode && priority == o.priority && correlationId == o.correlationId
                && replyTo == o.replyTo && expiration == o.expiration && messageId == o.messageId
                && timestamp == o.timestamp && type == o.type && userId == o.userId && appId == o.appId
                && clusterId == o.clusterId
        }

        func hashFields(into hasher: inout Hasher) {
            hasher.combine(contentType)
            hasher.combine(contentEncoding)
            hasher.combine(headers)
            hasher.combine(deliveryMode)
            hasher.combine(priority)
            hasher.combine(correlationId)
            hasher.combine(replyTo)
            hasher.combine(expiration)
            hasher.combine(messageId)
            hasher.combine(timestamp)
            hasher.combine(type)
            hasher.combine(userId)
            hasher.combine(appId)
            hasher.combine(clusterId)
        }
    }
}
