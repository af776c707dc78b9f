/// Storage for a queue's ready messages, in order.
///
/// Every queue keeps its ready messages behind this interface: transient queues use
/// `InMemoryQueueStore`; durable queues get the segment store with the persistence work.
/// Implementations are used only under their queue's lock and need no locking of their own.
public protocol QueueStore: AnyObject {
    /// Number of ready messages.
    var count: Int { get }
    /// Total body bytes of the ready messages.
    var byteCount: Int { get }
    /// The oldest ready message.
    var first: QueueEntry? { get }
    /// Adds a message at the back.
    func append(_ entry: QueueEntry)
    /// Removes and returns the oldest message.
    func removeFirst() -> QueueEntry?
    /// Puts messages taken earlier back in front, in their original order.
    func returnToFront(_ entries: [QueueEntry])
    /// Drops every ready message; returns how many there were.
    func removeAll() -> Int
    /// A snapshot of up to `limit` ready messages from the front (management, tests).
    func peek(limit: Int) -> [QueueEntry]
}
