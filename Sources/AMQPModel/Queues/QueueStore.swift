import Storage

/// Storage for a queue's ready messages, in order, and for the records of messages it keeps on disk.
///
/// Transient queues use `InMemoryQueueStore`; durable queues use `DurableQueueStore`, which also writes
/// persistent messages to segment files. Implementations are used only under their queue's lock and need no
/// locking of their own.
public protocol QueueStore: AnyObject {
    /// Number of ready messages.
    var count: Int { get }
    /// Total body bytes of the ready messages.
    var byteCount: Int { get }
    /// The oldest ready message.
    var first: QueueEntry? { get }
    /// True when entries may carry records that must be settled (`settle`) when they leave the queue.
    var keepsRecords: Bool { get }
    /// Writes the entry's record if this store keeps it (a persistent message in a durable queue) and returns
    /// the entry with its position. The write is buffered: it is durable after the next sync. Throws when the
    /// record cannot be written, in which case the message must be refused.
    func persist(_ entry: QueueEntry) throws(StorageError) -> QueueEntry
    /// Adds a message at the back.
    func append(_ entry: QueueEntry)
    /// Removes and returns the oldest message (its record stays until it is settled).
    func removeFirst() -> QueueEntry?
    /// Puts messages taken earlier back in front, in their original order.
    func returnToFront(_ entries: [QueueEntry])
    /// Drops every ready message and settles their records; returns how many there were.
    func removeAll() -> Int
    /// A message left the queue for good (acknowledged, rejected, expired, dropped): forget its record.
    func settle(_ entry: QueueEntry)
    /// A snapshot of up to `limit` ready messages from the front (management, tests).
    func peek(limit: Int) -> [QueueEntry]
    /// The queue was deleted: remove everything the store keeps.
    func destroy()
    /// Flushes buffered records and returns the files to sync (nil when the store keeps nothing on disk).
    func prepareSync() throws(StorageError) -> SegmentSyncBatch?
}
