import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client socket with TCP_NODELAY: the simplest fast transport for a load generator that
/// runs one connection per thread.
///
/// Send and receive timeouts (SO_SNDTIMEO / SO_RCVTIMEO) bound every blocking call, so a worker wakes up
/// regularly to check whether the run is over even when the broker has stopped reading or sending.
struct TCPSocket {
    /// The file descriptor; owned, closed by `close()`.
    let fd: Int32

    /// Resolves `host` and connects to the first address that accepts within `timeoutSeconds`.
    /// - Throws: `PerfError.connect` naming the address and the reason (refused, unreachable, timeout, unknown host).
    static func connect(host: String, port: UInt16, timeoutSeconds: Int32) throws(PerfError) -> TCPSocket {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .connect(address: address, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(first) }
        var reason = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let ai = entry {
            entry = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                reason = StandardError.describe(errno: errno)
                continue
            }
            if let failure = connect(fd: fd, to: ai.pointee.ai_addr, length: ai.pointee.ai_addrlen, timeoutSeconds: timeoutSeconds) {
                reason = failure
                _ = Glibc.close(fd)
                continue
            }
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return TCPSocket(fd: fd)
        }
        throw .connect(address: address, reason: reason)
    }

    /// Connects `fd` without blocking longer than the timeout; returns the failure text or nil on success.
    private static func connect(fd: Int32, to address: UnsafeMutablePointer<sockaddr>?, length: socklen_t, timeoutSeconds: Int32) -> String? {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if Glibc.connect(fd, address, length) == 0 { return nil }
        guard errno == EINPROGRESS else { return StandardError.describe(errno: errno) }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: Int32
        repeat { ready = poll(&pfd, 1, timeoutSeconds * 1000) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return ready == 0 ? "no answer within \(timeoutSeconds) s" : StandardError.describe(errno: errno) }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error == 0 ? nil : StandardError.describe(errno: error)
    }

    /// Bounds blocking sends and receives to `milliseconds`; after that they report "nothing done".
    func setTimeouts(milliseconds: Int) {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends what the kernel accepts of `count` bytes at `bytes`, blocking up to the send timeout.
    /// Returns the number of bytes sent, 0 when the timeout passed first.
    /// - Throws: `PerfError.disconnected` when the broker has closed the connection, `PerfError.io` otherwise.
    func send(_ bytes: UnsafeRawPointer, count: Int) throws(PerfError) -> Int {
        while true {
            let n = Glibc.send(fd, bytes, count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            case EPIPE, ECONNRESET: throw .disconnected(during: "while sending")
            default: throw .io("send failed: \(StandardError.describe(errno: errno))")
            }
        }
    }

    /// Receives up to `count` bytes into `buffer`. With `wait` it blocks up to the receive timeout,
    /// otherwise it only takes what is already there. Returns the number of bytes, nil when none arrived.
    /// - Throws: `PerfError.disconnected` at end of stream, `PerfError.io` on a socket error.
    func receive(into buffer: UnsafeMutableRawPointer, count: Int, wait: Bool) throws(PerfError) -> Int? {
        while true {
            let n = recv(fd, buffer, count, wait ? 0 : Int32(MSG_DONTWAIT))
            if n > 0 { return n }
            if n == 0 { throw .disconnected(during: "while receiving") }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            case ECONNRESET: throw .disconnected(during: "while receiving (connection reset)")
            default: throw .io("recv failed: \(StandardError.describe(errno: errno))")
            }
        }
    }

    /// Makes the kernel acknowledge received data at once instead of delaying the ACK (TCP_QUICKACK, which
    /// Linux clears again on its own, so callers repeat it after each read). Without it a broker that leaves
    /// Nagle on (mosquitto's default: `set_tcp_nodelay false`) holds its second small packet (a PUBACK) until
    /// our delayed ACK fires 40 ms later, and a pipelined QoS 1 run measures that timer instead of the broker.
    func acknowledgeQuickly() {
        _ = gw_set_int_option(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, 1)
    }

    /// Closes the descriptor.
    func close() {
        _ = Glibc.close(fd)
    }
}
