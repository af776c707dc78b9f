import Glibc

/// A loopback listening socket that completes no connect: its accept queue (backlog 0) is filled by one connection
/// at creation, so the kernel drops further SYNs and a connect to it stays in progress. `accept()` takes a queued
/// connection, which lets the next retransmitted SYN (about a second later) through.
public final class StalledListener {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let fd: Int32
    public let port: Int
    /// The connection that fills the queue.
    private let filler: TestClient

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 0) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "bind/listen: errno \(code)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        filler = try TestClient(port: port)
    }

    deinit {
        Glibc.close(fd)
    }

    /// Accepts the next queued connection (the filler first); throws after 10 s without one.
    public func accept() throws -> TestClient {
        let accepted = Glibc.accept(fd, nil, nil)
        guard accepted >= 0 else { throw Failure(description: "accept: errno \(errno)") }
        return TestClient(adopting: accepted)
    }
}
