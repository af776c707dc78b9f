import Bytes
import HTTPCodec
import Transport

/// One HTTP/1.1 client of the management API, on its event loop: reads requests (keep-alive, one at a time),
/// hands each to the management thread and writes the answer. A request must arrive whole within
/// `requestTimeoutSeconds` of the previous answer (or of accept): else 408 and close; an idle keep-alive
/// connection is closed after the same time. A malformed or oversized request gets its 4xx and the connection is
/// closed; nothing else is affected.
final class HTTPServerConnection: ConnectionHandler, @unchecked Sendable {
    private let server: ManagementServer
    private let connection: TCPConnection
    private let parser: HTTPRequestParser
    /// Bytes received and not yet parsed.
    private var pending = ByteBuffer()
    /// A request is with the management thread.
    private var busy = false
    private var deadline: TimerID?

    init(server: ManagementServer, connection: TCPConnection) {
        self.server = server
        self.connection = connection
        parser = HTTPRequestParser(
            maxHeadBytes: server.configuration.maxHeadBytes, maxBodyBytes: server.configuration.maxBodyBytes)
    }

    func connectionActive(_ connection: TCPConnection) {
        armDeadline()
    }

    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) {
        if let bytes = buffer.readBytes(buffer.readableBytes) { pending.writeBytes(bytes) }
        nextRequest()
    }

    func connectionWritabilityChanged(_ connection: TCPConnection) {}

    func connectionClosed(_ connection: TCPConnection) {
        if let deadline { connection.eventLoop.cancelTimer(deadline) }
        deadline = nil
        connection.handler = nil
    }

    private func nextRequest() {
        guard !busy, connection.isOpen else { return }
        let request: HTTPRequest
        do {
            guard let parsed = try parser.parse(&pending) else {
                // Stop reading once the limit is reached: the parser decides at the next bytes.
                return
            }
            request = parsed
        } catch {
            server.logger.warning("HTTP request from \(connection.remoteAddress) refused: \(error)")
            let refusal = ManagementError(error.status, "bad_request", error.reason)
            refusal.response.encodeAndClose(on: connection)
            return
        }
        busy = true
        connection.setReadingPaused(true)
        let loop = connection.eventLoop
        let fromLoopback = connection.remoteAddress.isLoopback
        server.worker.submit { [self] in
            let response = server.respond(to: request, fromLoopback: fromLoopback)
            loop.execute { self.finish(request, response) }
        }
    }

    private func finish(_ request: HTTPRequest, _ response: HTTPResponse) {
        busy = false
        guard connection.isOpen else { return }
        let close = request.closesConnection
        connection.write { response.encode(into: &$0, close: close, includeBody: request.method != "HEAD") }
        if close {
            connection.close()
            return
        }
        connection.setReadingPaused(false)
        armDeadline()
        nextRequest()
    }

    private func armDeadline() {
        let loop = connection.eventLoop
        if let deadline { loop.cancelTimer(deadline) }
        deadline = loop.scheduleTimer(after: .seconds(server.configuration.requestTimeoutSeconds)) { [weak self] in
            guard let self else { return }
            self.deadline = nil
            guard !self.busy, self.connection.isOpen else { return }
            if self.pending.readableBytes > 0 {
                self.server.logger.warning(
                    "HTTP client \(self.connection.remoteAddress) did not send a whole request within "
                        + "\(self.server.configuration.requestTimeoutSeconds) s; closing")
                ManagementError(.requestTimeout, "request_timeout", "the request did not arrive in time").response
                    .encodeAndClose(on: self.connection)
            } else {
                self.connection.close()
            }
        }
    }
}

extension HTTPResponse {
    /// Writes the response with `Connection: close` and closes the connection after it.
    func encodeAndClose(on connection: TCPConnection) {
        connection.write { encode(into: &$0, close: true) }
        connection.close()
    }
}
