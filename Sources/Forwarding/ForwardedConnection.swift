import Bytes
import ProxyProtocol
import Transport

/// One client connection forwarded by a `TCPForwarder`: the handler of both the client's `TCPConnection` and the
/// upstream one, relaying bytes between them on their one loop.
///
/// Relaying copies a read buffer's bytes straight into the other connection's outbound buffer (no allocation once
/// the buffers have grown). Reading from a side pauses when the other reports that it is not writable, i.e. still
/// above its high watermark after a flush, and resumes when it reports having drained: a connection going over and
/// back within one flush reports nothing, so the writability notifications, not `isWritable` right after a write,
/// decide. A side thus holds at most the high watermark plus one read event (4 × 64 KiB) of the other's bytes. The
/// references between this object and the connections are cycles that end when both closed (a connection drops
/// its handler after `connectionClosed`) and the connect finished.
final class ForwardedConnection: ConnectionHandler {
    private let client: TCPConnection
    private let upstreamHost: String
    private let upstreamPort: Int
    private let connectTimeout: Duration
    private let onError: @Sendable (TransportError) -> Void
    /// The connect in progress, to be cancelled when the client goes away with nothing to deliver.
    private var connector: TCPConnector?
    private var upstream: TCPConnection?
    /// Client bytes received before the upstream connection is up.
    private var pending = ByteBuffer()
    private var clientClosed = false

    init(
        client: TCPConnection, upstreamHost: String, upstreamPort: Int, connectTimeout: Duration,
        onError: @escaping @Sendable (TransportError) -> Void
    ) {
        self.client = client
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        self.connectTimeout = connectTimeout
        self.onError = onError
    }

    func connectionActive(_ connection: TCPConnection) {
        guard connection === client else {
            upstreamConnected(connection)
            return
        }
        connector = TCPConnector.connect(
            host: upstreamHost, port: upstreamPort, on: client.eventLoop, timeout: connectTimeout, handler: self
        ) { [self] error in
            upstreamFailed(error)
        }
    }

    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) {
        guard connection === client else {
            relay(&buffer, to: client)
            return
        }
        guard let upstream else {
            pending.writeBuffer(buffer)
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            if pending.readableBytes >= TCPForwarder.pendingLimit { client.setReadingPaused(true) }
            return
        }
        relay(&buffer, to: upstream)
    }

    func connectionWritabilityChanged(_ connection: TCPConnection) {
        guard let upstream else { return }
        let source = connection === client ? upstream : client
        source.setReadingPaused(!connection.isWritable)
    }

    func connectionClosed(_ connection: TCPConnection) {
        guard connection === client else {
            client.close()
            return
        }
        clientClosed = true
        if let upstream {
            upstream.close()
        } else if pending.readableBytes == 0 {
            connector?.cancel()
            connector = nil
        }
    }

    /// Sends the PROXY header and what the client sent meanwhile, then relays (or closes, when the client already
    /// went away after sending those bytes).
    private func upstreamConnected(_ connection: TCPConnection) {
        connector = nil
        upstream = connection
        let header = ProxyHeader(
            source: Self.endpoint(client.remoteAddress), destination: Self.endpoint(client.localAddress))
        guard let bytes = header.encoded() else {
            onError(
                TransportError(
                    operation: "forwarding \(client.remoteAddress)",
                    reason: "no PROXY header for \(client.remoteAddress) -> \(client.localAddress)"))
            connection.abort()
            client.close()
            return
        }
        connection.write { out in
            out.writeBytes(bytes)
            out.writeBuffer(pending)
        }
        pending = ByteBuffer()
        if clientClosed {
            connection.close()
        } else {
            client.setReadingPaused(false)
        }
    }

    private func upstreamFailed(_ error: TransportError) {
        connector = nil
        pending = ByteBuffer()
        onError(
            TransportError(
                operation: "forwarding \(client.remoteAddress): \(error.operation)", reason: error.reason,
                errno: error.errno))
        client.close()
    }

    /// Moves everything `buffer` holds into `target`'s outbound buffer.
    private func relay(_ buffer: inout ByteBuffer, to target: TCPConnection) {
        target.write { $0.writeBuffer(buffer) }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
    }

    private static func endpoint(_ address: SocketAddress) -> ProxyHeader.Endpoint {
        ProxyHeader.Endpoint(host: address.host, port: UInt16(truncatingIfNeeded: address.port))
    }
}
