import Bytes
import CLinux
import Glibc

/// A blocking TCP socket for the replication threads (a handful of long-lived connections, each with threads of
/// its own, so blocking calls with timeouts are simpler than the event loops and cost nothing on the client path).
final class BlockingSocket: @unchecked Sendable {
    typealias Failure = ReplicationFailure

    let fd: Int32
    /// `host:port` of the peer, for log lines.
    let peer: String
    /// The peer's numeric host.
    let host: String

    private init(fd: Int32, peer: String, host: String) {
        self.fd = fd
        self.peer = peer
        self.host = host
    }

    deinit { _ = Glibc.close(fd) }

    /// Connects to `host:port`, giving up after `timeoutMilliseconds`.
    static func connect(host: String, port: Int, timeoutMilliseconds: Int32) throws(Failure) -> BlockingSocket {
        var storage = sockaddr_storage()
        var length = socklen_t(0)
        let rc = gw_resolve(host, Int32(port), &storage, &length)
        guard rc == 0 else { throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))") }
        let fd = gw_socket_stream(Int32(storage.ss_family))
        guard fd >= 0 else { throw failure("socket") }
        let socket = BlockingSocket(fd: fd, peer: "\(host):\(port)", host: host)
        let started = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if started != 0 {
            guard errno == EINPROGRESS else { throw failure("connect to \(socket.peer)") }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, timeoutMilliseconds) == 1 else {
                throw Failure(description: "connect to \(socket.peer): no answer within \(timeoutMilliseconds) ms")
            }
            let error = gw_socket_error(fd)
            guard error == 0 else {
                throw Failure(description: "connect to \(socket.peer): \(String(cString: strerror(error)))")
            }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        _ = gw_set_nodelay(fd)
        return socket
    }

    /// A listening socket on `host:port` (port 0: any free port).
    static func listen(host: String, port: Int) throws(Failure) -> BlockingSocket {
        var storage = sockaddr_storage()
        var length = socklen_t(0)
        let rc = gw_resolve(host, Int32(port), &storage, &length)
        guard rc == 0 else { throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))") }
        let fd = gw_socket_stream(Int32(storage.ss_family))
        guard fd >= 0 else { throw failure("socket") }
        let socket = BlockingSocket(fd: fd, peer: "\(host):\(port)", host: host)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        _ = gw_set_reuseaddr(fd)
        guard gw_bind(fd, &storage, length) == 0 else { throw failure("bind \(host):\(port)") }
        guard Glibc.listen(fd, 16) == 0 else { throw failure("listen on \(host):\(port)") }
        return socket
    }

    /// The bound port.
    var localPort: Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Self.format(&storage).port
    }

    /// The next connection; throws once the socket is shut down.
    func accept() throws(Failure) -> BlockingSocket {
        while true {
            let client = gw_accept(fd)
            if client >= 0 {
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) & ~O_NONBLOCK)
                _ = gw_set_nodelay(client)
                var storage = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                _ = withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(client, $0, &length) }
                }
                let (host, port) = Self.format(&storage)
                return BlockingSocket(fd: client, peer: "\(host):\(port)", host: host)
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            if errno == EMFILE || errno == ENFILE {
                usleep(100_000)
                continue
            }
            throw Self.failure("accept")
        }
    }

    /// Reads are given up after `milliseconds` without data (`SO_RCVTIMEO`).
    func setReceiveTimeout(milliseconds: Int) {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads what is available (at least one byte) into `buffer`; throws at end of stream, on error or timeout.
    func read(into buffer: inout ByteBuffer, upTo count: Int = 256 * 1024) throws(Failure) {
        while true {
            var n = 0
            _ = buffer.writeWithUnsafeMutableBytes(maximum: count) { raw in
                n = Glibc.recv(fd, raw.baseAddress, raw.count, 0)
                return max(n, 0)
            }
            if n > 0 { return }
            if n == 0 { throw Failure(description: "\(peer) closed the connection") }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure(description: "\(peer) sent nothing in time") }
            throw Self.failure("read from \(peer)")
        }
    }

    /// True when a read would not block.
    var isReadable: Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, 0) == 1
    }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var done = 0
        while done < bytes.count {
            let n = gw_send(fd, bytes.baseAddress! + done, bytes.count - done)
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw Self.failure("write to \(peer)")
            }
        }
    }

    /// Writes the readable bytes of `buffer` and empties it.
    func write(_ buffer: inout ByteBuffer) throws(Failure) {
        try buffer.withReadableBytes { raw in Result { () throws(Failure) in try write(raw) } }.get()
        buffer.clear()
    }

    /// Stops reads and writes on every thread blocked on the socket (they return errors); the descriptor is closed
    /// when the last reference goes.
    func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }

    private static func format(_ storage: inout sockaddr_storage) -> (host: String, port: Int) {
        var host = [CChar](repeating: 0, count: 64)
        var port: Int32 = 0
        guard gw_format_address(&storage, &host, host.count, &port) == 0 else { return ("?", 0) }
        return (String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), Int(port))
    }
}
