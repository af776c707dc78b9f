import Bytes
import HTTPCodec
import Transport
import WebSocketCodec

/// An MQTT connection over WebSocket (`[mqtt] ws_port` / `wss_port`, paths `/mqtt` and `/ws`, subprotocol `mqtt`):
/// the opening handshake, then RFC 6455 frames around the byte stream of an ordinary `MQTTConnection`, which
/// writes its packets into binary frames (`MQTTConnection.write`). Authentication, permissions and the loopback
/// rule are the MQTT connection's, applied to the TCP peer.
///
/// A handshake must complete within `[mqtt] connect_timeout`, like a CONNECT; a framing violation is answered
/// with a close frame carrying its code, logged, and the connection closed.
final class MQTTWebSocketConnection: ConnectionHandler, @unchecked Sendable {
    private enum Phase {
        case handshake(HTTPRequestParser, TimerID?)
        case open(WebSocketFrameDecoder)
        case closed
    }

    private let server: MQTTServer
    private let mqtt: MQTTConnection
    private var phase: Phase
    /// The unframed MQTT bytes the inner connection decodes.
    private var stream = ByteBuffer()

    static let handshake = WebSocketHandshake(paths: ["/mqtt", "/ws"], subprotocols: ["mqtt", "mqttv3.1"])

    init(server: MQTTServer, mqtt: MQTTConnection) {
        self.server = server
        self.mqtt = mqtt
        phase = .handshake(HTTPRequestParser(maxHeadBytes: 8192, maxBodyBytes: 0), nil)
    }

    func connectionActive(_ connection: TCPConnection) {
        let timer = connection.eventLoop.scheduleTimer(after: .seconds(Int64(server.configuration.connectTimeout))) {
            [weak self, weak connection] in
            guard let self, let connection, case .handshake = self.phase else { return }
            self.server.logger.warning(
                "closing WebSocket connection \(connection.remoteAddress): no handshake within "
                    + "\(self.server.configuration.connectTimeout) s")
            connection.abort()
        }
        if case .handshake(let parser, _) = phase { phase = .handshake(parser, timer) }
    }

    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) {
        switch phase {
        case .handshake(let parser, let timer):
            let request: HTTPRequest
            do {
                guard let r = try parser.parse(&buffer) else { return }
                request = r
            } catch {
                let body = Array((error.reason + "\n").utf8)
                refuse(connection, HTTPResponse(status: error.status, contentType: "text/plain", body: body), error.reason)
                return
            }
            if let timer { connection.eventLoop.cancelTimer(timer) }
            switch Self.handshake.accept(request) {
            case .success(let accepted):
                connection.write { $0.writeBytes(accepted.response) }
                phase = .open(
                    WebSocketFrameDecoder(
                        maxFrameSize: server.configuration.maxPacketSize,
                        maxMessageSize: server.configuration.maxPacketSize))
                mqtt.framesOutput()
                mqtt.connectionActive(connection)
                if buffer.readableBytes > 0 { readFrames(connection, &buffer) }
            case .failure(let refusal):
                var response = HTTPResponse(
                    status: refusal.status, contentType: "text/plain", body: Array((refusal.reason + "\n").utf8))
                for (name, value) in refusal.headers { response.headers.append((name, value)) }
                refuse(connection, response, refusal.reason)
            }
        case .open:
            readFrames(connection, &buffer)
        case .closed:
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        }
    }

    /// Unframes what arrived and hands the MQTT bytes to the inner connection once per read.
    private func readFrames(_ connection: TCPConnection, _ buffer: inout ByteBuffer) {
        guard case .open(var decoder) = phase else { return }
        defer { if case .open = phase { phase = .open(decoder) } }
        do {
            while let event = try decoder.next(&buffer, data: &stream) {
                switch event {
                case .data: continue
                case .ping(let payload):
                    connection.write { WebSocketFrameEncoder.writeFrame(opcode: 0xA, payload: payload, into: &$0) }
                case .pong: continue
                case .close(let code, _):
                    connection.write {
                        WebSocketFrameEncoder.writeClose(code: code ?? 1000, reason: "", into: &$0)
                    }
                    deliver(connection)
                    phase = .closed
                    connection.close()
                    return
                }
            }
        } catch {
            server.logger.warning("closing WebSocket connection \(mqtt.name): \(error.message)")
            connection.write { WebSocketFrameEncoder.writeClose(code: error.closeCode, reason: "", into: &$0) }
            phase = .closed
            connection.close()
            return
        }
        deliver(connection)
    }

    private func deliver(_ connection: TCPConnection) {
        guard stream.readableBytes > 0 else { return }
        mqtt.connectionRead(connection, &stream)
        if stream.readableBytes == 0 { stream.clear() } else if stream.readerIndex > stream.writerIndex / 2 {
            stream.discardReadBytes()
        }
    }

    private func refuse(_ connection: TCPConnection, _ response: HTTPResponse, _ reason: String) {
        server.logger.warning("WebSocket upgrade from \(connection.remoteAddress) refused (\(response.status.code)): \(reason)")
        var out = ByteBuffer()
        response.encode(into: &out, close: true)
        connection.write { $0.writeBuffer(out) }
        phase = .closed
        connection.close()
    }

    func connectionWritabilityChanged(_ connection: TCPConnection) {
        if case .open = phase { mqtt.connectionWritabilityChanged(connection) }
    }

    func connectionClosed(_ connection: TCPConnection) {
        if case .handshake(_, let timer?) = phase { connection.eventLoop.cancelTimer(timer) }
        let wasActive = { if case .handshake = self.phase { false } else { true } }()
        phase = .closed
        if wasActive { mqtt.connectionClosed(connection) } else { connection.handler = nil }
    }
}
