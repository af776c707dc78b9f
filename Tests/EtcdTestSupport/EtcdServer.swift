import Etcd
import Foundation

/// A real etcd (Debian's `etcd-server`, installed by the test command) on free loopback ports, for one test.
public final class EtcdServer {
    let process = Process()
    /// `127.0.0.1:<client port>`.
    public let endpoint: String
    private let directory: String

    /// Starts etcd and waits (at most 20 s) until it answers.
    public init() throws {
        let client = try Self.freePort()
        let peer = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-etcd-\(UUID().uuidString)").path
        endpoint = "127.0.0.1:\(client)"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/etcd")
        process.arguments = [
            "--data-dir", directory, "--listen-client-urls", "http://127.0.0.1:\(client)",
            "--advertise-client-urls", "http://127.0.0.1:\(client)", "--listen-peer-urls", "http://127.0.0.1:\(peer)",
            "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
            "--initial-cluster", "default=http://127.0.0.1:\(peer)", "--log-level", "error",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let probe = EtcdClient(endpoints: [endpoint], timeout: .milliseconds(500))
        let deadline = Date().addingTimeInterval(20)
        while true {
            do {
                _ = try probe.get("probe")
                break
            } catch {
                guard Date() < deadline, process.isRunning else {
                    throw EtcdError(.unreachable, "etcd did not start (running: \(process.isRunning)): \(error)")
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
