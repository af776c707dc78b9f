/// One change to a file or directory under a data directory, as the storage layer makes it: what a follower repeats,
/// in the same order, to hold the same files (issue 12 §3). Paths are relative to the data directory.
///
/// The changes are the system calls themselves (write at an offset, truncate, create, remove, rename, make or remove a
/// directory), so repeating a prefix of them leaves the files as the leader's were at that moment: a state the
/// storage layer recovers from like after a crash.
public enum FileChange {
    /// `bytes` written at `offset` (the file is created if missing). The bytes are valid only during the call.
    case write(path: String, offset: Int, bytes: UnsafeRawBufferPointer)
    /// The file cut (or extended with zeros) to `size` bytes; created if missing.
    case truncate(path: String, size: Int)
    /// The file created empty if it does not exist (an `open` with `O_CREAT` and without `O_TRUNC`).
    case create(path: String)
    /// The file removed; a missing file is not an error.
    case remove(path: String)
    /// `from` renamed over `to`.
    case rename(from: String, to: String)
    /// The directory created, with any missing parents.
    case makeDirectory(path: String)
    /// The (empty) directory removed; a missing one is not an error.
    case removeDirectory(path: String)
}

/// Receives every change the storage layer makes under one data directory (the leader's replication log).
public protocol FileChangeObserver: AnyObject, Sendable {
    /// Runs `apply` (the change on the local file system) and, if it succeeds, records `change`, as one step with
    /// respect to every other change: the recorded order is the order the file system saw. `apply` makes no other
    /// recorded change.
    func record<E: Error>(_ change: FileChange, _ apply: () throws(E) -> Void) throws(E)
}
