import Storage

/// Something whose writes the `SyncCoordinator` makes durable: a durable queue's message store, a vhost's
/// retained-message log.
public protocol SyncParticipant: AnyObject, Sendable {
    /// Flushes buffered writes and returns the files still to fsync (nil when there is nothing left to do,
    /// for example because the participant synced itself).
    func prepareSync() throws(StorageError) -> SegmentSyncBatch?
    /// Names the participant in error messages.
    var syncDescription: String { get }
}
