import Glibc

/// A follower's copy of its leader's data directory: applies `FileChange`s in the order received and makes them
/// durable with `sync` (issue 12 §3). Paths are checked: a change naming an absolute path, `.` or `..`, or the lock
/// file is refused, so a hostile stream cannot write outside the directory.
///
/// Not thread-safe: one replication thread owns it.
public final class FileReplica {
    /// The data directory.
    public let root: String
    /// Open descriptors of recently written files (relative path → fd), closed on `sync` beyond `openLimit`.
    private var descriptors: [String: Int32] = [:]
    private var dirtyFiles: Set<String> = []
    private var dirtyDirectories: Set<String> = []
    private static let openLimit = 256

    /// The replica in `root` (created 0700 with parents if missing).
    public init(root: String) throws(StorageError) {
        self.root = root
        try FileIO.makeDirectories(root)
    }

    deinit { closeAll() }

    /// Applies `change` to the files (durable after the next `sync`).
    public func apply(_ change: FileChange) throws(StorageError) {
        switch change {
        case .write(let path, let offset, let bytes):
            let full = try checked(path)
            try FileIO.pwriteAllUnobserved(try descriptor(path, full), bytes, at: offset, path: full)
            dirtyFiles.insert(path)
        case .truncate(let path, let size):
            let full = try checked(path)
            let fd = try descriptor(path, full)
            while ftruncate(fd, off_t(size)) != 0 {
                if errno != EINTR { throw .system("ftruncate", full, detail: "to \(size) bytes") }
            }
            dirtyFiles.insert(path)
        case .create(let path):
            _ = try descriptor(path, try checked(path))
            dirtyFiles.insert(path)
        case .remove(let path):
            let full = try checked(path)
            forget(path)
            if unlink(full) != 0 && errno != ENOENT { throw .system("unlink", full) }
            dirtyDirectories.insert(FileIO.parentDirectory(of: full))
        case .rename(let from, let to):
            let (source, target) = (try checked(from), try checked(to))
            if dirtyFiles.contains(from), let fd = descriptors[from] { try FileIO.dataSync(fd, path: source) }
            forget(from)
            forget(to)
            try makeParent(of: target)
            if Glibc.rename(source, target) != 0 { throw .system("rename", source, detail: "to \(target)") }
            dirtyDirectories.insert(FileIO.parentDirectory(of: target))
        case .makeDirectory(let path):
            let full = try checked(path)
            if try FileIO.makeDirectoriesUnobserved(full) { dirtyDirectories.insert(FileIO.parentDirectory(of: full)) }
        case .removeDirectory(let path):
            let full = try checked(path)
            for key in descriptors.keys where key.hasPrefix(path + "/") { forget(key) }
            if rmdir(full) != 0 && errno != ENOENT { throw .system("rmdir", full) }
            dirtyDirectories.insert(FileIO.parentDirectory(of: full))
        }
    }

    /// Makes every change applied so far durable: `fdatasync` of the files written, `fsync` of the directories whose
    /// entries changed.
    public func sync() throws(StorageError) {
        for path in dirtyFiles {
            guard let fd = descriptors[path] else { continue }
            try FileIO.dataSync(fd, path: root + "/" + path)
        }
        dirtyFiles.removeAll(keepingCapacity: true)
        for directory in dirtyDirectories {
            do { try FileIO.syncDirectory(directory) } catch {
                // Removed after the change that dirtied it; its removal dirtied its parent, synced here too.
                guard error.errno == ENOENT else { throw error }
            }
        }
        dirtyDirectories.removeAll(keepingCapacity: true)
        if descriptors.count > Self.openLimit { closeAll() }
    }

    /// Removes what `index` (the leader's) does not list: files first, then directories, deepest first.
    public func removeAll(except index: [FileIndexEntry]) throws(StorageError) {
        let keep = Set(index.map(\.path))
        let local = try FileIndex.scan(root: root)
        for entry in local where !entry.isDirectory && !keep.contains(entry.path) { try apply(.remove(path: entry.path)) }
        for entry in local.reversed() where entry.isDirectory && !keep.contains(entry.path) {
            try apply(.removeDirectory(path: entry.path))
        }
    }

    /// Closes every open descriptor (after a `sync`, or when the replica is given up).
    public func closeAll() {
        for fd in descriptors.values { FileIO.close(fd) }
        descriptors.removeAll()
    }

    private func descriptor(_ path: String, _ full: String) throws(StorageError) -> Int32 {
        if let fd = descriptors[path] { return fd }
        try makeParent(of: full)
        let fd = try FileIO.openUnobserved(full, O_RDWR | O_CREAT, mode: FileIO.fileMode)
        descriptors[path] = fd
        return fd
    }

    private func makeParent(of full: String) throws(StorageError) {
        if try FileIO.makeDirectoriesUnobserved(FileIO.parentDirectory(of: full)) {
            dirtyDirectories.insert(FileIO.parentDirectory(of: FileIO.parentDirectory(of: full)))
        }
        dirtyDirectories.insert(FileIO.parentDirectory(of: full))
    }

    private func forget(_ path: String) {
        if let fd = descriptors.removeValue(forKey: path) { FileIO.close(fd) }
        dirtyFiles.remove(path)
    }

    /// The full path of `relative`, refused unless it stays inside the directory.
    private func checked(_ relative: String) throws(StorageError) -> String {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.isEmpty, relative != ".lock", !relative.utf8.contains(0),
            parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else {
            throw StorageError(.invalidArgument, operation: "replicate", path: relative, detail: "not a path inside the data directory")
        }
        return root + "/" + relative
    }
}
