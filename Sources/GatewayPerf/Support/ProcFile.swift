#if canImport(Glibc)
import Glibc
#endif

/// Reads the small text files the kernel exposes under /proc: a broker's memory (`/proc/PID/status`) and
/// CPU time (`/proc/PID/stat`), and the local port range. Setup and reporting only, never on a hot path.
enum ProcFile {
    /// The whole file as text (files under /proc report size 0, so it reads until end of file), nil when it
    /// cannot be opened.
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The resident set size of process `pid` in KiB (the `VmRSS` line of /proc/PID/status), nil when the
    /// process does not exist or is not readable.
    static func residentKiB(pid: Int32) -> Int? {
        guard let status = read("/proc/\(pid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// How many local ports the kernel hands out to outgoing connections (net.ipv4.ip_local_port_range).
    static func localPortCount() -> Int? {
        guard let text = read("/proc/sys/net/ipv4/ip_local_port_range") else { return nil }
        let bounds = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard bounds.count == 2 else { return nil }
        return bounds[1] - bounds[0] + 1
    }
}
