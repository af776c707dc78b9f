import Storage

/// A message's place in one queue: the shared message plus this queue's per-copy state.
public struct QueueEntry: Sendable {
    /// The shared message.
    public let message: Message
    /// Position in the queue's publish order (used to put requeued messages back in order).
    public let sequence: UInt64
    /// Monotonic milliseconds after which the entry is dead, or `Int64.max`.
    public let expiresAt: Int64
    /// True once it has been delivered and returned to the queue.
    public var redelivered: Bool
    /// The highest `x-mqtt-qos` among the bindings that routed it here (0 for non-MQTT routes): an MQTT
    /// session delivers at min(publish QoS, this).
    public let qos: UInt8
    /// The MQTT packet identifier it was last sent with, 0 if never. Kept across requeue so a resent PUBLISH
    /// reuses its identifier [MQTT-4.4.0-1].
    public var packetID: UInt16
    /// Where its record is in the queue's message store, when the queue keeps it on disk.
    public var position: SegmentPosition?

    /// Creates an entry.
    public init(
        message: Message, sequence: UInt64, expiresAt: Int64, redelivered: Bool = false, qos: UInt8 = 0,
        packetID: UInt16 = 0
    ) {
        self.message = message
        self.sequence = sequence
        self.expiresAt = expiresAt
        self.redelivered = redelivered
        self.qos = qos
        self.packetID = packetID
    }
}
