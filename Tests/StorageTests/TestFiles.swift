import Glibc

/// A fresh directory under /tmp, removed with everything in it by `remove()`.
struct TempDirectory {
    let path: String

    init() {
        var template = Array("/tmp/gateway-storage-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: errno \(errno)")
        path = String(cString: template)
    }

    /// Removes the directory tree.
    func remove() {
        TestFiles.removeTree(path)
    }
}

/// Whole-file helpers for tests that damage files on purpose.
enum TestFiles {
    static func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        precondition(fd >= 0, "open \(path): errno \(errno)")
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            precondition(n >= 0)
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    static func write(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "open \(path): errno \(errno)")
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        precondition(n == bytes.count)
    }

    static func append(_ path: String, _ bytes: [UInt8]) {
        write(path, read(path) + bytes)
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func size(_ path: String) -> Int {
        var st = stat()
        precondition(stat(path, &st) == 0, "stat \(path): errno \(errno)")
        return Int(st.st_size)
    }

    static func mode(_ path: String) -> mode_t {
        var st = stat()
        precondition(stat(path, &st) == 0, "stat \(path): errno \(errno)")
        return st.st_mode & 0o777
    }

    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            if let dir = opendir(path) {
                var names: [String] = []
                while let e = readdir(dir) {
                    let name = withUnsafePointer(to: &e.pointee.d_name) {
                        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
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
}

/// Collects what a store logs during recovery.
final class LogLines {
    var lines: [String] = []
    func callAsFunction(_ line: String) { lines.append(line) }
}

/// A payload whose bytes identify it: `count` bytes, each `(seed + i) & 0xFF`.
func payload(_ seed: Int, count: Int = 16) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: seed &+ $0) }
}
