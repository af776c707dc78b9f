import Bytes
import ProxyProtocol

/// The handler of a connection from a trusted proxy until its PROXY protocol v2 header is read (`ProxyTrust`), or
/// until its first bytes show it has none (they differ from the header's 12-byte signature, which no AMQP, MQTT, HTTP
/// or TLS client sends first): then it is a client of that host itself and is served as usual.
///
/// The header is decoded from the plain socket bytes, below TLS: a TLS listener's session is held here and attached
/// only once the header is consumed, so the ClientHello behind the header reaches OpenSSL and the header never does.
/// Then the header's source becomes the connection's `remoteAddress`, the listener's `makeHandler` makes the real
/// handler, and the connection hands everything on to it (`TCPConnection.proxyHeaderConsumed`). A malformed header, a
/// header cut short by the peer closing, or no complete header within the timeout close the
/// connection with one report to the listener's `onError`. Loop thread only; one per trusted connection, dropped
/// once the header is read.
final class ProxyHeaderReader: ConnectionHandler {
    private let timeout: Duration
    private let tls: TLSSession?
    private let makeHandler: @Sendable (TCPConnection) -> ConnectionHandler?
    private let onError: @Sendable (TransportError) -> Void
    private var deadline: TimerID?
    /// Some bytes of a header arrived and the rest did not yet.
    private var isPartial = false
    /// The header was consumed or refused: nothing more to report.
    private var isFinished = false

    init(
        timeout: Duration, tls: TLSSession?, makeHandler: @escaping @Sendable (TCPConnection) -> ConnectionHandler?,
        onError: @escaping @Sendable (TransportError) -> Void
    ) {
        self.timeout = timeout
        self.tls = tls
        self.makeHandler = makeHandler
        self.onError = onError
    }

    func connectionActive(_ connection: TCPConnection) {
        deadline = connection.eventLoop.scheduleTimer(after: timeout) { [weak self, weak connection] in
            guard let self, let connection else { return }
            deadline = nil
            refuse(connection, "no complete header within \(timeout)")
        }
    }

    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) {
        let startsLikeHeader = buffer.withReadableBytes { raw in
            zip(raw, ProxyHeader.signature).allSatisfy { $0 == $1 }
        }
        guard startsLikeHeader else {
            // A client of the trusted host itself (no proxy in between): served as usual.
            finish(connection)
            guard let handler = makeHandler(connection) else {
                connection.abort()
                return
            }
            connection.proxyHeaderConsumed(handler: handler, tls: tls, rest: &buffer)
            return
        }
        let decoded = buffer.withReadableBytes { raw in
            Result { () throws(ProxyProtocolError) in try ProxyHeader.decode(raw) }
        }
        switch decoded {
        case .failure(let error):
            refuse(connection, error.message)
        case .success(nil):
            isPartial = buffer.readableBytes > 0
        case .success(let (header, length)?):
            buffer.moveReaderIndex(forwardBy: length)
            finish(connection)
            if let source = header.source {
                connection.remoteAddress = SocketAddress(host: source.host, port: Int(source.port))
            }
            guard let handler = makeHandler(connection) else {
                connection.abort()
                return
            }
            connection.proxyHeaderConsumed(handler: handler, tls: tls, rest: &buffer)
        }
    }

    func connectionWritabilityChanged(_ connection: TCPConnection) {}

    func connectionClosed(_ connection: TCPConnection) {
        guard !isFinished else { return }
        finish(connection)
        if isPartial {
            onError(
                TransportError(
                    operation: "PROXY header from \(connection.remoteAddress)",
                    reason: "the peer closed before the header was complete"))
        }
    }

    /// Reports why the connection is refused, once, and closes it at once.
    private func refuse(_ connection: TCPConnection, _ reason: String) {
        finish(connection)
        onError(TransportError(operation: "PROXY header from \(connection.remoteAddress)", reason: reason))
        connection.abort()
    }

    private func finish(_ connection: TCPConnection) {
        isFinished = true
        if let deadline { connection.eventLoop.cancelTimer(deadline) }
        deadline = nil
    }
}
