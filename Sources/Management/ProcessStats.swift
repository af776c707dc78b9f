import Glibc

/// Figures about the broker process and its machine, read from the kernel when asked (`/metrics`, `/api/nodes`).
enum ProcessStats {
    /// Resident set size from `/proc/self/statm` (its second field, in pages).
    static func residentBytes() -> Int {
        guard let f = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, Int32(line.count), f) != nil else { return 0 }
        let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Open file descriptors of this process.
    static func openFileCount() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(dir) }
        var count = 0
        while readdir(dir) != nil { count += 1 }
        return max(0, count - 3)  // ".", ".." and the directory's own descriptor
    }

    /// The soft open-file limit.
    static func fileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        return Int(clamping: limit.rlim_cur)
    }

    /// Free bytes on the file system holding `path` (for an unprivileged user); nil when it cannot be read.
    static func freeDiskBytes(at path: String) -> Int? {
        var s = statvfs()
        guard !path.isEmpty, statvfs(path, &s) == 0 else { return nil }
        return Int(clamping: UInt64(s.f_bavail) &* UInt64(s.f_frsize))
    }

    /// Processors online.
    static var processors: Int { Int(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
