import Glibc

/// A blocking loopback TCP client for tests, with a receive timeout so a broken server fails a test instead of hanging it.
public final class TestClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let fd: Int32

    /// Connects to `127.0.0.1:port`; `receiveBufferSize` (set before connecting) shrinks the TCP window.
    public init(port: Int, receiveBufferSize: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        Self.setTimeouts(fd)
        if var size = receiveBufferSize {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "connect to port \(port): errno \(code)")
        }
    }

    /// Takes over a connected socket (e.g. one accepted by a `StalledListener`), with the same timeouts.
    public init(adopting fd: Int32) {
        self.fd = fd
        Self.setTimeouts(fd)
    }

    deinit {
        Glibc.close(fd)
    }

    private static func setTimeouts(_ fd: Int32) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The client's own port (the server sees it as the remote port).
    public var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: errno \(errno)")
            }
            offset += n
        }
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Reads exactly `count` bytes (throws on timeout or end of stream).
    public func receive(_ count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = result.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, count - offset, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw Failure(description: "receive: got \(offset) of \(count) bytes (\(n < 0 ? "errno \(errno)" : "end of stream"))")
            }
            offset += n
        }
        return result
    }

    public func receiveString(_ count: Int) throws -> String {
        String(decoding: try receive(count), as: UTF8.self)
    }

    /// Reads and drops whatever arrives until the server closes or resets the connection (a server that closes
    /// with input unread sends a reset); throws on a timeout.
    public func awaitClose() throws {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n == 0 || (n < 0 && errno == ECONNRESET) { return }
            if n < 0 { throw Failure(description: "receive: errno \(errno) before the server closed") }
        }
    }

    /// Reads until the server closes; returns what arrived.
    public func receiveUntilEnd() throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(description: "receive: errno \(errno) before end of stream") }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }
}
