import Glibc
import Locks

/// The broker's data directory, held exclusively for the life of this object.
///
/// Opening creates the directory (and missing parents) with mode 0700 and takes an exclusive `flock` on
/// `<dir>/.lock` (created 0600). The lock file holds the holder's pid as decimal text and a newline, so a
/// refused open can name the process in its error. `flock` locks belong to an open file description: a second
/// `DataDirectory` on the same path is refused even inside one process, and the lock goes away when the
/// holder closes it or dies (also on `kill -9`); the lock file itself is left in place, since removing it
/// would let two processes lock two different files of the same name.
public final class DataDirectory: Sendable {
    /// The directory's path, as given.
    public let path: String
    /// The locked `.lock` descriptor, -1 once closed.
    private let lockFD: Lock<Int32>

    /// Creates (0700, with parents) and locks `path`; throws `directoryInUse` when another open holds it.
    public init(path: String) throws(StorageError) {
        self.path = path
        try FileIO.makeDirectories(path)
        let lockPath = path + "/.lock"
        let fd = try FileIO.open(lockPath, O_RDWR | O_CREAT)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let lockErrno = errno
            let holder = DataDirectory.readPID(fd)
            FileIO.close(fd)
            if lockErrno == EWOULDBLOCK {
                throw StorageError(.directoryInUse(pid: holder), operation: "lock", path: path)
            }
            throw StorageError(.system(errno: lockErrno), operation: "flock", path: lockPath)
        }
        do {
            try FileIO.truncate(fd, to: 0, path: lockPath)
            let text = Array("\(getpid())\n".utf8)
            try text.withTypedBytes { (b) throws(StorageError) in try FileIO.pwriteAll(fd, b, at: 0, path: lockPath) }
        } catch {
            FileIO.close(fd)
            throw error
        }
        lockFD = Lock(fd)
    }

    deinit {
        close()
    }

    /// Releases the lock. Idempotent.
    public func close() {
        lockFD.withLock { fd in
            if fd >= 0 { FileIO.close(fd) }
            fd = -1
        }
    }

    /// Bytes available to the broker on the directory's file system (`statvfs`: `f_bavail * f_frsize`, the
    /// space an unprivileged writer can use), to compare with `free_disk_min`.
    public func freeBytes() throws(StorageError) -> UInt64 {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { throw .system("statvfs", path) }
        return UInt64(st.f_bavail) * UInt64(st.f_frsize)
    }

    /// Creates (0700, with parents) `<dir>/<relative>` and returns its path: the place for a queue's
    /// `SegmentStore` or a log.
    public func subdirectory(_ relative: String) throws(StorageError) -> String {
        let full = path + "/" + relative
        try FileIO.makeDirectories(full)
        return full
    }

    /// The pid written in the lock file, if it holds one.
    private static func readPID(_ fd: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let n = bytes.withUnsafeMutableBytes { (try? FileIO.preadAll(fd, $0, at: 0, path: "")) ?? 0 }
        let digits = bytes[0..<n].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return Int32(String(decoding: digits, as: UTF8.self))
    }
}
