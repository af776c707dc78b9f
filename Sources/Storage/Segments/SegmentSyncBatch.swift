#if canImport(Glibc)
import Glibc
#endif

/// The files a `SegmentStore` wrote since its last sync, handed out by `prepareSync` so the `fdatasync`
/// calls can run without the lock that guards the store.
public struct SegmentSyncBatch: Sendable {
    let files: [(fd: Int32, path: String)]
    let directory: String?

    /// True when there is nothing to sync.
    public var isEmpty: Bool { files.isEmpty && directory == nil }

    /// `fdatasync`s every file, then the directory if a file was created in it (unless the directory was removed
    /// meanwhile), and closes the descriptors.
    /// On failure the records covered by the batch must not be reported durable.
    public func perform() throws(StorageError) {
        var failure: StorageError?
        for f in files {
            do { try FileIO.dataSync(f.fd, path: f.path) } catch { failure = failure ?? error }
            FileIO.close(f.fd)
        }
        if let directory {
            do { try FileIO.syncDirectory(directory) } catch {
                // Gone: the store was destroyed (its queue deleted) after this batch was taken; nothing of it
                // needs to survive, and the other stores of the round must not fail with it.
                if error.errno != ENOENT { failure = failure ?? error }
            }
        }
        if let failure { throw failure }
    }

    /// Closes the descriptors without syncing (sync turned off: the flush already happened).
    public func discard() {
        for f in files { FileIO.close(f.fd) }
    }
}
