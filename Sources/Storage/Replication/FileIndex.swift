import Glibc

/// The files and directories of a data directory with their sizes and checksums: what a follower and its leader
/// compare before streaming (issue 12 §3, "a file index with checksums, fetch what differs").
public enum FileIndex {
    /// Every file and directory under `root` (the lock file `.lock` excluded), parents before their contents. A file
    /// removed while the scan runs is left out.
    public static func scan(root: String) throws(StorageError) -> [FileIndexEntry] {
        var entries: [FileIndexEntry] = []
        try scan(root: root, relative: "", into: &entries)
        return entries
    }

    /// The CRC-32C of the first `length` bytes of `path` (relative to `root`), or nil when the file is shorter or
    /// missing.
    public static func checksum(root: String, path: String, length: Int) throws(StorageError) -> UInt32? {
        try withOpenFile(root + "/" + path) { (fd, full) throws(StorageError) -> UInt32? in
            guard try FileIO.size(fd, path: full) >= length else { return nil }
            return try FileIO.withMapped(fd, size: length, path: full) { CRC32C.checksum($0) }
        } ?? nil
    }

    /// Reads up to `count` bytes of `path` (relative to `root`) at `offset`; fewer at the end of the file, nil when it
    /// does not exist.
    public static func read(root: String, path: String, offset: Int, count: Int) throws(StorageError) -> [UInt8]? {
        try withOpenFile(root + "/" + path) { (fd, full) throws(StorageError) -> [UInt8] in
            var bytes = [UInt8](repeating: 0, count: count)
            let n = try bytes.withUnsafeMutableBytes { b in
                Result { () throws(StorageError) in try FileIO.preadAll(fd, b, at: offset, path: full) }
            }.get()
            bytes.removeLast(count - n)
            return bytes
        }
    }

    /// `body` with `full` opened read-only, or nil when the file does not exist.
    private static func withOpenFile<R>(
        _ full: String, _ body: (Int32, String) throws(StorageError) -> R
    ) throws(StorageError) -> R? {
        let fd: Int32
        do { fd = try FileIO.open(full, O_RDONLY) } catch {
            if error.errno == ENOENT { return nil }
            throw error
        }
        defer { FileIO.close(fd) }
        return try body(fd, full)
    }

    private static func scan(root: String, relative: String, into entries: inout [FileIndexEntry]) throws(StorageError) {
        let directory = relative.isEmpty ? root : root + "/" + relative
        let names: [String]
        do { names = try FileIO.list(directory) } catch {
            if error.errno == ENOENT { return }
            throw error
        }
        for name in names.sorted() where !(relative.isEmpty && name == ".lock") {
            let path = relative.isEmpty ? name : relative + "/" + name
            let full = root + "/" + path
            var st = stat()
            guard lstat(full, &st) == 0 else {
                if errno == ENOENT { continue }
                throw .system("stat", full)
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                entries.append(FileIndexEntry(path: path, isDirectory: true, size: 0, checksum: 0))
                try scan(root: root, relative: path, into: &entries)
            case S_IFREG:
                let size = Int(st.st_size)
                guard let checksum = try checksum(root: root, path: path, length: size) else { continue }
                entries.append(FileIndexEntry(path: path, isDirectory: false, size: size, checksum: checksum))
            default:
                continue
            }
        }
    }
}
