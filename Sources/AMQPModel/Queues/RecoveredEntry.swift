import Storage

/// A message found in a durable queue's store at start, with what its queue entry had: the subscription QoS
/// that routed it (MQTT) and when it expires, as a Unix time so that a restart neither extends nor shortens its
/// life. Both are nil for records written before they were kept (the entry then takes the message's publish
/// QoS, and its TTL starts again).
struct RecoveredEntry {
    let message: Message
    let position: SegmentPosition
    let qos: UInt8?
    /// Unix milliseconds after which it is dead; `Int64.max`: never.
    let expiresAtUnix: Int64?
}
