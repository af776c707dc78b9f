import Glibc

/// The one error type of the storage layer: what went wrong, on which file, during which operation.
///
/// System call failures carry their `errno`, so a caller can tell a full disk (`isDiskFull`: block publishers,
/// retry later) from an I/O error (`EIO`: the disk is failing). `description` is a sentence a user can act on,
/// naming the file and the operation.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: Sendable, Equatable {
        /// A system call failed with this `errno`.
        case system(errno: Int32)
        /// The data directory's lock is held by another open of it (another process, or another `DataDirectory`
        /// in this one); `pid` is what the holder wrote into the lock file, if readable.
        case directoryInUse(pid: Int32?)
        /// A file does not start with the magic and version this build writes: not ours, or a newer format.
        case unrecognizedFormat
        /// A file is damaged in a way recovery cannot repair by cutting off a tail (details in `detail`).
        case corrupt
        /// A position or argument that does not name anything in the store (a caller bug).
        case invalidArgument
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// The operation that failed (`"open"`, `"pwrite"`, `"fdatasync"`, `"read record"`, ...).
    public let operation: String
    /// The file or directory it failed on.
    public let path: String
    /// Extra context for non-system failures.
    public let detail: String

    /// Creates an error.
    public init(_ kind: Kind, operation: String, path: String, detail: String = "") {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.detail = detail
    }

    /// The failed system call's errno, if this is a system failure.
    public var errno: Int32? {
        if case .system(let e) = kind { return e }
        return nil
    }

    /// True when the failure means the file system (or the user's quota) is full: `ENOSPC`, `EDQUOT`, or
    /// `EFBIG` (the process's file size limit).
    public var isDiskFull: Bool {
        guard let e = errno else { return false }
        return e == ENOSPC || e == EDQUOT || e == EFBIG
    }

    public var description: String {
        switch kind {
        case .system(let e):
            let text = String(cString: strerror(e))
            return "\(operation) failed on \(path): \(text) (errno \(e))" + (detail.isEmpty ? "" : "; \(detail)")
        case .directoryInUse(let pid):
            let holder = pid.map { "another gateway process (pid \($0))" } ?? "another gateway process"
            return "data directory \(path) is in use by \(holder); stop it or choose another data directory"
        case .unrecognizedFormat:
            return "\(path) is not a file this gateway version can read (\(operation)): \(detail)"
        case .corrupt:
            return "\(path) is corrupt (\(operation)): \(detail)"
        case .invalidArgument:
            return "\(operation) on \(path): \(detail)"
        }
    }

    /// The error for a failed system call, reading the thread's current `errno`.
    static func system(_ operation: String, _ path: String, detail: String = "") -> StorageError {
        StorageError(.system(errno: Glibc.errno), operation: operation, path: path, detail: detail)
    }
}
