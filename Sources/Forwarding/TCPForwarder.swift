import Transport

/// Forwards every connection a plain TCP listener accepts to an upstream server, behind a PROXY protocol v2 header
/// that names the client: how a cluster follower hands its clients to the leader without terminating TLS (issue 12
/// §4). The leader's listener accepts the header from the follower with `TCPListener.bind(…, proxyProtocol:)`.
///
/// Use `makeHandler(for:)` as the `makeHandler` of a listener bound without `tls`: bytes pass through untouched, TLS
/// records included. For each client, `upstream` (called on the client's loop when it is accepted) names where to
/// connect, or returns nil to close the client at once. The upstream connection is made from the client's loop, so
/// both ends of a forwarded connection live on one thread. Its first bytes are the header (source: the client's
/// address, destination: the address the client connected to), then what the client sent meanwhile (at most
/// `pendingLimit` plus one read, the client is not read further until connected), then the two directions are
/// relayed. A side that cannot take more (above its high watermark) stops reading from the other until it drained;
/// either side closing closes the other once what is queued for it is sent. A failed connect closes the client and
/// is reported to `onError` once (`forwarding <client>: connect to <upstream>: <reason>`).
public struct TCPForwarder: Sendable {
    /// Client bytes held while the upstream connect is in progress, beyond which the client is not read.
    public static let pendingLimit = 64 * 1024

    /// How long an upstream connect may take before the client is closed.
    public let connectTimeout: Duration
    private let upstream: @Sendable (TCPConnection) -> (host: String, port: Int)?
    private let onError: @Sendable (TransportError) -> Void

    /// `upstream` returns a numeric IPv4/IPv6 address and port for a client (a host name is refused: resolve it
    /// before, off the event loops, e.g. with `SocketAddress.resolve(host:port:)` when the leader changes).
    public init(
        connectTimeout: Duration = .seconds(10), onError: @escaping @Sendable (TransportError) -> Void = { _ in },
        upstream: @escaping @Sendable (TCPConnection) -> (host: String, port: Int)?
    ) {
        self.connectTimeout = connectTimeout
        self.onError = onError
        self.upstream = upstream
    }

    /// The handler for a newly accepted client connection (pass this to `TCPListener.bind`); nil, which closes the
    /// client, when `upstream` names no target for it.
    public func makeHandler(for client: TCPConnection) -> ConnectionHandler? {
        guard let target = upstream(client) else { return nil }
        return ForwardedConnection(
            client: client, upstreamHost: target.host, upstreamPort: target.port, connectTimeout: connectTimeout,
            onError: onError)
    }
}
