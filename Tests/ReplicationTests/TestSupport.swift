import Clocks
import Glibc
import Locks
import Replication

/// A fresh directory under /tmp, removed with everything in it by `remove()`.
struct TempDirectory {
    let path: String

    init() {
        var template = Array("/tmp/gateway-replication-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func remove() {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        Self.removeTree(path)
    }

    private static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            if let dir = opendir(path) {
                var names: [String] = []
                while let e = readdir(dir) {
                    let name = withUnsafePointer(to: &e.pointee.d_name) {
                        $0.withMemoryRebound(to: UInt8.self, capacity: 256) { p in
                            String(decoding: UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))), as: UTF8.self)
                        }
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(dir)
                for n in names { removeTree(path + "/" + n) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Writes `bytes` to `relative` (parents created).
    func write(_ relative: String, _ bytes: [UInt8]) {
        var parent = ""
        for part in relative.split(separator: "/").dropLast() {
            parent += "/" + part
            mkdir(path + parent, 0o700)
        }
        let fd = open(path + "/" + relative, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}

/// Lines a component logged, readable from the test.
final class LogLines: Sendable {
    private let lines = Lock<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }

    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }

    /// A replication logger writing here (warnings marked).
    var logger: ReplicationLogger {
        ReplicationLogger(info: { self.append($0) }, warning: { self.append("warning: " + $0) })
    }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Int64 = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = MonotonicClock.milliseconds() + seconds * 1000
    while MonotonicClock.milliseconds() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// `count` bytes identifying `seed`.
func payload(_ seed: Int, count: Int = 16) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: seed &+ $0) }
}
