import Glibc

/// Thin wrappers over the Glibc file calls the storage layer uses: `EINTR` retried, short writes completed,
/// failures turned into `StorageError`s naming the file and the call.
enum FileIO {
    /// Mode of every file the store creates: the data directory is private to the broker's user.
    static let fileMode: mode_t = 0o600
    /// Mode of every directory the store creates.
    static let directoryMode: mode_t = 0o700

    /// Opens `path`; `O_CLOEXEC` is always added. A creating open is a `FileChange` (`truncate` to 0 with `O_TRUNC`,
    /// else `create`).
    static func open(_ path: String, _ flags: Int32, mode: mode_t = fileMode) throws(StorageError) -> Int32 {
        guard flags & O_CREAT != 0 else { return try openUnobserved(path, flags, mode: mode) }
        var fd: Int32 = -1
        try FileChangeFeeds.change(
            path, { flags & O_TRUNC != 0 ? .truncate(path: $0, size: 0) : .create(path: $0) }
        ) { () throws(StorageError) in fd = try openUnobserved(path, flags, mode: mode) }
        return fd
    }

    static func openUnobserved(_ path: String, _ flags: Int32, mode: mode_t) throws(StorageError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .system("open", path) }
        }
    }

    /// Closes `fd`, ignoring errors: every caller has synced what it needs before closing.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Writes all of `bytes` at `offset`. A failure may leave a prefix written; callers cut it off.
    static func pwriteAll(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String
    ) throws(StorageError) {
        try FileChangeFeeds.change(path, { .write(path: $0, offset: offset, bytes: bytes) }) { () throws(StorageError) in
            try pwriteAllUnobserved(fd, bytes, at: offset, path: path)
        }
    }

    static func pwriteAllUnobserved(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String
    ) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                if n == 0 { errno = EIO }
                throw .system("pwrite", path, detail: "\(bytes.count) bytes at offset \(offset)")
            }
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at end of file.
    static func preadAll(
        _ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String
    ) throws(StorageError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n > 0 {
                done += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw .system("pread", path)
            }
        }
        return done
    }

    /// The size of the open file.
    static func size(_ fd: Int32, path: String) throws(StorageError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system("fstat", path) }
        return Int(st.st_size)
    }

    /// Cuts the open file to `size` bytes.
    static func truncate(_ fd: Int32, to size: Int, path: String) throws(StorageError) {
        try FileChangeFeeds.change(path, { .truncate(path: $0, size: size) }) { () throws(StorageError) in
            while ftruncate(fd, off_t(size)) != 0 {
                if errno != EINTR { throw .system("ftruncate", path, detail: "to \(size) bytes") }
            }
        }
    }

    /// Flushes the file's data (and the metadata needed to read it back, such as its size) to the device.
    static func duplicate(_ fd: Int32, path: String) throws(StorageError) -> Int32 {
        let copy = dup(fd)
        guard copy >= 0 else { throw .system("dup", path) }
        return copy
    }

    static func dataSync(_ fd: Int32, path: String) throws(StorageError) {
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw .system("fdatasync", path) }
        }
    }

    /// Flushes a directory, making the creation, rename or removal of its entries durable.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        while fsync(fd) != 0 {
            if errno != EINTR { throw .system("fsync", path) }
        }
    }

    /// Creates `path` and any missing parents with mode 0700, syncing each parent after a creation so the new
    /// entry survives a crash. Returns true if the last component was created.
    @discardableResult
    static func makeDirectories(_ path: String) throws(StorageError) -> Bool {
        try makeDirectories(path, observed: true)
    }

    /// `makeDirectories` for a replica: the creations are not reported to a `FileChangeObserver`.
    static func makeDirectoriesUnobserved(_ path: String) throws(StorageError) -> Bool {
        try makeDirectories(path, observed: false)
    }

    private static func makeDirectories(_ path: String, observed: Bool) throws(StorageError) -> Bool {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw StorageError(
                    .invalidArgument, operation: "create directory", path: path, detail: "not a directory")
            }
            return false
        }
        let parent = parentDirectory(of: path)
        if parent != path { _ = try makeDirectories(parent, observed: observed) }
        let make = { () throws(StorageError) in
            if mkdir(path, directoryMode) != 0 && errno != EEXIST { throw .system("mkdir", path) }
        }
        if observed { try FileChangeFeeds.change(path, { .makeDirectory(path: $0) }, make) } else { try make() }
        try syncDirectory(parent)
        return true
    }

    /// The directory containing `path` (`"."` for a bare name, `"/"` for the root).
    static func parentDirectory(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        if slash == p.startIndex { return "/" }
        return String(p[..<slash])
    }

    /// The names in directory `path`, without `.` and `..`.
    static func list(_ path: String) throws(StorageError) -> [String] {
        guard let dir = opendir(path) else { throw .system("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) throws(StorageError) {
        try FileChangeFeeds.change(path, { .remove(path: $0) }) { () throws(StorageError) in
            if unlink(path) != 0 && errno != ENOENT { throw .system("unlink", path) }
        }
    }

    /// Removes an empty directory; a missing one is not an error.
    static func removeDirectory(_ path: String) throws(StorageError) {
        try FileChangeFeeds.change(path, { .removeDirectory(path: $0) }) { () throws(StorageError) in
            if rmdir(path) != 0 && errno != ENOENT { throw .system("rmdir", path) }
        }
    }

    /// Atomically replaces `to` with `from`.
    static func rename(_ from: String, _ to: String) throws(StorageError) {
        let target = FileChangeFeeds.observer(for: to)?.relative ?? to
        try FileChangeFeeds.change(from, { .rename(from: $0, to: target) }) { () throws(StorageError) in
            if Glibc.rename(from, to) != 0 { throw .system("rename", from, detail: "to \(to)") }
        }
    }

    /// Runs `body` over the first `size` bytes of the open file, mapped read-only.
    static func withMapped<R>(
        _ fd: Int32, size: Int, path: String, _ body: (UnsafeRawBufferPointer) throws(StorageError) -> R
    ) throws(StorageError) -> R {
        if size == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw .system("mmap", path)
        }
        defer { munmap(base, size) }
        return try body(UnsafeRawBufferPointer(start: base, count: size))
    }

    /// `value` as at least `width` decimal digits, zero-padded (`msgs.0000000003`).
    static func zeroPadded(_ value: UInt32, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// A byte as two lowercase hex digits.
    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
