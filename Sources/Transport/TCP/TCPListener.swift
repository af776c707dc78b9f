import CLinux
import Glibc
import Synchronization

/// A listening TCP socket that accepts on one loop of a group and spreads connections over all of them.
public final class TCPListener: Sendable {
    /// The bound address; with port 0 this is where the ephemeral port can be read back.
    public let localAddress: SocketAddress
    private let channel: ListenerChannel
    private let isClosed = Atomic<Bool>(false)

    private init(channel: ListenerChannel) {
        self.channel = channel
        self.localAddress = channel.localAddress
    }

    /// Binds `host:port` (SO_REUSEADDR, non-blocking, `backlog`) and starts accepting on `group.next()`.
    ///
    /// Each accepted socket (TCP_NODELAY, non-blocking) goes to `group.next()`, where `makeHandler` is called on that
    /// loop's thread; returning nil closes the socket. `host` is a numeric IPv4/IPv6 address or a name resolved
    /// once here; port 0 binds an ephemeral port. Errors while accepting (e.g. `EMFILE`) go to `onError` and do not
    /// stop the listener: on descriptor or memory exhaustion it pauses accepting for 100 ms.
    ///
    /// With `tls`, every accepted socket runs a TLS server session from the context current at accept time
    /// (see `TLSContext.reload()`); handlers see only plaintext. A failed or timed-out handshake or a fatal TLS error
    /// closes that connection and is reported to `onError` once (`TLS handshake with <peer>: <reason>`).
    ///
    /// With `proxyProtocol`, a connection whose TCP peer it trusts must start with a PROXY protocol v2 header, read
    /// before anything else (below TLS: the header comes in clear before the ClientHello) within
    /// `ProxyTrust.headerTimeout`. The header's source address becomes the connection's `remoteAddress` (a LOCAL
    /// header keeps the TCP peer's), and only then is `makeHandler` called and the handler made active. A malformed
    /// header, other bytes, a header cut short or a timeout closes that connection and is reported to `onError` once
    /// (`PROXY header from <peer>: <reason>`). Connections from other peers are served as without the option.
    public static func bind(
        host: String, port: Int, group: EventLoopGroup, backlog: Int32 = 1024, tls: TLSContext? = nil,
        proxyProtocol: ProxyTrust? = nil, onError: @escaping @Sendable (TransportError) -> Void = { _ in },
        makeHandler: @escaping @Sendable (TCPConnection) -> ConnectionHandler?
    ) throws(TransportError) -> TCPListener {
        let requested = SocketAddress(host: host, port: port)
        guard (0...65535).contains(port) else {
            throw TransportError(operation: "bind \(requested)", reason: "port out of range 0...65535", errno: EINVAL)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(0)
        let rc = gw_resolve(host, Int32(port), &storage, &length)
        guard rc == 0 else {
            throw TransportError(operation: "resolve \(host)", reason: String(cString: gai_strerror(rc)))
        }
        let fd = Int32(
            try SystemCall.retrying("socket for \(requested)") { Int(gw_socket_stream(Int32(storage.ss_family))) })
        do {
            _ = try SystemCall.retrying("setsockopt SO_REUSEADDR on \(requested)") { Int(gw_set_reuseaddr(fd)) }
            _ = try SystemCall.retrying("bind \(requested)") { Int(gw_bind(fd, &storage, length)) }
            _ = try SystemCall.retrying("listen on \(requested)") { Int(Glibc.listen(fd, backlog)) }
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        guard let bound = SocketAddress(socket: fd, peer: false) else {
            let code = Glibc.errno
            _ = Glibc.close(fd)
            throw TransportError(errno: code, operation: "getsockname for \(requested)")
        }
        let loop = group.next()
        let channel = ListenerChannel(
            fd: fd, localAddress: bound, eventLoop: loop, group: group, tls: tls, proxyTrust: proxyProtocol,
            makeHandler: makeHandler, onError: onError)
        loop.execute { channel.start() }
        return TCPListener(channel: channel)
    }

    /// Stops accepting and closes the listening socket; connections already accepted stay open. Idempotent.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let channel = channel
        channel.eventLoop.execute { channel.close() }
    }
}
