import CLinux
import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client socket with TCP_NODELAY, optionally carrying TLS: the simplest fast transport for a
/// load generator that runs one connection per thread.
///
/// Send and receive timeouts (SO_SNDTIMEO / SO_RCVTIMEO) bound every blocking call, so a worker wakes up
/// regularly to check whether the run is over even when the broker has stopped reading or sending. With TLS the
/// same calls go through `SSL_write`/`SSL_read` on the same blocking descriptor; a timeout surfaces from
/// OpenSSL as WANT_READ/WANT_WRITE and is reported as "nothing done", exactly like the plain socket.
struct TCPSocket {
    /// The file descriptor; owned, closed by `close()`.
    let fd: Int32
    /// The TLS session over `fd` (owned, freed by `close()`), nil for plain TCP.
    private(set) var tls: OpaquePointer?

    /// Resolves `host` and connects to the first address that accepts within `timeoutSeconds`; with `tls`, then
    /// runs the TLS handshake, also bounded by `timeoutSeconds`.
    /// - Throws: `PerfError.connect` naming the address and the reason (refused, unreachable, timeout, unknown host),
    ///   `PerfError.tls` when the handshake fails or the certificate does not verify.
    static func connect(host: String, port: UInt16, timeoutSeconds: Int32, tls: TLSClientContext? = nil) throws(PerfError) -> TCPSocket {
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
            var socket = TCPSocket(fd: fd)
            if let tls {
                do {
                    try socket.startTLS(tls, host: host, timeoutSeconds: timeoutSeconds)
                } catch {
                    socket.close()
                    guard case .tls(let reason) = error else { throw error }
                    throw .tls("handshake with \(address) failed: \(reason)")
                }
            }
            return socket
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

    /// Runs the client side of the TLS handshake over the connected socket (blocking, up to `timeoutSeconds`).
    private mutating func startTLS(_ context: TLSClientContext, host: String, timeoutSeconds: Int32) throws(PerfError) {
        setTimeouts(milliseconds: Int(timeoutSeconds) * 1000)
        let ssl = try context.makeSession(fd: fd, host: host)
        let result = SSL_connect(ssl)
        guard result == 1 else {
            let reason = TLSClientContext.handshakeFailure(ssl, result: result)
            SSL_free(ssl)
            throw .tls(reason)
        }
        tls = ssl
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
        if let tls { return try Self.sendTLS(tls, bytes, count: count) }
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
        if let tls { return try receiveTLS(tls, into: buffer, count: count, wait: wait) }
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

    /// `send` over TLS: the records `SSL_write` sent (partial writes are on), 0 when the send timeout passed.
    private static func sendTLS(_ tls: OpaquePointer, _ bytes: UnsafeRawPointer, count: Int) throws(PerfError) -> Int {
        ERR_clear_error()
        let n = SSL_write(tls, bytes, Int32(clamping: count))
        if n > 0 { return Int(n) }
        switch SSL_get_error(tls, n) {
        case SSL_ERROR_WANT_WRITE, SSL_ERROR_WANT_READ:
            return 0
        case SSL_ERROR_ZERO_RETURN:
            throw .disconnected(during: "while sending (TLS close_notify)")
        case SSL_ERROR_SYSCALL where errno == EPIPE || errno == ECONNRESET:
            ERR_clear_error()
            throw .disconnected(during: "while sending")
        default:
            throw .tls("SSL_write failed: \(TLSClientContext.errorText(fallback: StandardError.describe(errno: errno)))")
        }
    }

    /// `receive` over TLS. Without `wait` it reads only when OpenSSL holds bytes or the socket is readable.
    /// With read-ahead one `recv` brings many records; they are all decrypted into `buffer` while they last.
    private func receiveTLS(_ tls: OpaquePointer, into buffer: UnsafeMutableRawPointer, count: Int, wait: Bool) throws(PerfError) -> Int? {
        if !wait, SSL_has_pending(tls) == 0 {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 0) > 0 else { return nil }
        }
        var total = 0
        repeat {
            ERR_clear_error()
            let n = SSL_read(tls, buffer + total, Int32(clamping: count - total))
            if n > 0 {
                total += Int(n)
                continue
            }
            if total > 0 {
                ERR_clear_error()
                return total
            }
            switch SSL_get_error(tls, n) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return nil
            case SSL_ERROR_ZERO_RETURN:
                throw .disconnected(during: "while receiving (TLS close_notify)")
            case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
                throw .disconnected(during: "while receiving (\(StandardError.describe(errno: errno)))")
            case SSL_ERROR_SSL where TLSClientContext.isUnexpectedEOF():
                ERR_clear_error()
                throw .disconnected(during: "while receiving")
            default:
                throw .tls("SSL_read failed: \(TLSClientContext.errorText(fallback: "bad TLS record"))")
            }
        } while total < count && SSL_has_pending(tls) == 1
        return total
    }

    /// Makes the kernel acknowledge received data at once instead of delaying the ACK (TCP_QUICKACK, which
    /// Linux clears again on its own, so callers repeat it after each read). Without it a broker that leaves
    /// Nagle on (mosquitto's default: `set_tcp_nodelay false`) holds its second small packet (a PUBACK) until
    /// our delayed ACK fires 40 ms later, and a pipelined QoS 1 run measures that timer instead of the broker.
    func acknowledgeQuickly() {
        _ = gw_set_int_option(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, 1)
    }

    /// Sends a TLS close_notify (without waiting for the broker's), frees the session, closes the descriptor.
    func close() {
        if let tls {
            ERR_clear_error()
            _ = SSL_shutdown(tls)
            ERR_clear_error()
            SSL_free(tls)
        }
        _ = Glibc.close(fd)
    }
}
