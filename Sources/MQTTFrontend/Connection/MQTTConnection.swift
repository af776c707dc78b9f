import AMQPModel
import AMQPValues
import Auth
import Bytes
import FrontendSupport
import MQTTCodec
import Transport
import WebSocketCodec

/// One MQTT 3.1 / 3.1.1 / 5.0 client connection: CONNECT, packet dispatch, keepalive and the end of the session.
///
/// Lives on one event loop for its whole life, like `AMQPConnection`; `@unchecked Sendable` only so loop
/// tasks can capture it, and they always hop to its loop first.
final class MQTTConnection: ConnectionHandler, @unchecked Sendable {
    enum Phase {
        case awaitingConnect, connected, closed
    }

    // Stored properties are ordered by size so the object packs without padding, and what every connection of a
    // loop can share lives in `loopContext`: an idle connection's memory is mostly this object (under 256 bytes).
    let id: UInt64
    let connection: TCPConnection
    /// What the connections of this loop share: the frontend, the deadline sweep and scratch buffers.
    let loopContext: MQTTLoopContext
    var server: MQTTServer { loopContext.server }
    var logger: Logger { server.logger }
    var eventLoop: EventLoop { connection.eventLoop }
    var configuration: MQTTServerConfiguration { server.configuration }
    /// The broker's resource alarm (publishers are blocked while it is on).
    var alarm: ResourceAlarm { server.broker.resourceAlarm }

    /// The session's vhost and client id, once CONNECT was accepted.
    var key: MQTTSessionRegistry.Key?
    /// The user it logged in as (for the log).
    var userName = ""
    var vhost: VHost?
    /// Permission checks of this client; only kept when `[mqtt] permission_check_enabled` is on.
    var authorizer: Authorizer?
    var exchange: Exchange?
    /// The subscription to the session queue.
    var handle: ConsumerHandle?
    /// Shared subscriptions' consumers and WebSocket framing, made when first needed.
    var extras: MQTTConnectionExtras?
    var inbound = MQTTInbound()
    /// PUBACK / PUBREC waiting for their messages to be durable, in PUBLISH order.
    var acks = DurableAcks<MQTTPacket>()
    var outbound = MQTTOutbound<MQTTDelivery>()
    /// Deliveries written whose window credit comes back once the socket took them.
    var pausedWindow: Int32 = 0
    /// Before CONNECT its clock starts at accept (the connect deadline), after CONNECT it is the keepalive.
    var keepAlive = MQTTKeepAlive(requested: 0, maximum: 0, now: 0)
    /// This connection's slot in its loop's deadline sweep (-1: not watched).
    var sweepSlot: Int32 = -1
    /// Reading paused by the resource alarm or an overloaded queue.
    var publisherFlow = PublisherFlow()
    var phase = Phase.awaitingConnect
    var version: MQTTProtocolVersion?
    var cleanSession = true
    /// The topic of the last PUBLISH received, handed to the decoder so the next one to the same topic shares it.
    var recentTopic: ByteString?
    /// Set by DISCONNECT (for the log line).
    var disconnectedCleanly = false
    var drainScheduled = false
    var windowReleaseScheduled = false
    var will = MQTTLastWill()
    /// When a token login's token expires (loop clock); the deadline sweep closes the connection then. 0: never.
    var tokenExpiresAt: UInt64 = 0

    /// The session queue `mqtt.<client_id>`.
    var queue: Queue? { handle?.queue }
    /// The client id CONNECT gave (or the one the broker assigned).
    var clientId: ByteString { key?.clientId ?? "" }

    init(id: UInt64, connection: TCPConnection, loopContext: MQTTLoopContext) {
        self.id = id
        self.connection = connection
        self.loopContext = loopContext
    }

    /// `peer:port -> local:port`, from the socket's immutable addresses (readable from any thread).
    var connectionName: String { "\(connection.remoteAddress) -> \(connection.localAddress)" }

    /// "client 'sensor-1' (127.0.0.1:50000)" once CONNECT named it, else the peer address.
    var name: String {
        phase == .awaitingConnect ? "\(connection.remoteAddress)" : "client '\(clientId)' (\(connection.remoteAddress))"
    }

    // MARK: - ConnectionHandler

    func connectionActive(_ connection: TCPConnection) {
        keepAlive = MQTTKeepAlive(requested: 0, maximum: 0, now: eventLoop.now)
        loopContext.add(self)
    }

    /// Called by the sweep: closes a connection that sent no CONNECT within `[mqtt] connect_timeout`, whose login
    /// token expired, or whose keepalive expired (`MQTTKeepAlive`).
    func checkDeadlines(now: UInt64) {
        switch phase {
        case .awaitingConnect:
            guard keepAlive.silence(now: now) > UInt64(configuration.connectTimeout) * 1_000_000_000 else { return }
            logger.warning("closing MQTT connection \(name): no CONNECT within \(configuration.connectTimeout) s")
            connection.abort()
        case .connected:
            if tokenExpiresAt != 0 && now >= tokenExpiresAt {
                // Not a DISCONNECT, so the will fires.
                logger.info("MQTT \(name): access token of user '\(userName)' expired, closing")
                sendDisconnect(.notAuthorized, "the access token expired")
                connection.close()
                return
            }
            guard keepAlive.isExpired(now: now, paused: publisherFlow.blockedByAlarm) else { return }
            disconnect(.keepAliveTimeout, "nothing received within 1.5 x keepalive \(keepAlive.seconds) s")
        case .closed:
            break
        }
    }

    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) {
        // Bytes before CONNECT do not move the connect deadline (a client trickling a CONNECT is still cut off).
        if phase == .connected { keepAlive.received() }
        while phase != .closed && connection.isOpen {
            if phase == .connected && alarm.isDiskAlarmed && (buffer.peekUInt8() ?? 0) >> 4 == 3 {
                // Below free_disk_min no PUBLISH is taken: it stays unread until space returns.
                blockPublisher(alarm)
                return
            }
            let packet: MQTTPacket
            do {
                guard
                    let p = try MQTTDecoder.decode(
                        &buffer, version: version, maxPacketSize: configuration.maxPacketSize, acceptsMQTT5: true,
                        recentTopic: recentTopic)
                else { return }
                packet = p
            } catch {
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                protocolViolation(error)
                return
            }
            handle(packet)
        }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
    }

    func connectionWritabilityChanged(_ connection: TCPConnection) {
        releaseWindow()
    }

    /// Returns the window credit of flushed deliveries, the session queue's and the shared subscriptions', when
    /// the socket is writable (else the writability callback does it once the socket drains below the low
    /// watermark).
    func releaseWindow() {
        guard connection.isWritable else { return }
        if pausedWindow > 0, let handle {
            handle.releaseWindow(Int(pausedWindow))
            pausedWindow = 0
            handle.creditReturned()
        }
        guard let extras else { return }
        for slot in extras.shared.indices {
            guard let consumer = extras.shared[slot], consumer.pausedWindow > 0 else { continue }
            consumer.handle.releaseWindow(Int(consumer.pausedWindow))
            extras.shared[slot]!.pausedWindow = 0
            consumer.handle.creditReturned()
        }
    }

    func connectionClosed(_ connection: TCPConnection) {
        let wasConnected = phase == .connected
        phase = .closed
        loopContext.remove(self)
        stopPublisherFlow()
        if wasConnected { endSession() }
        connection.handler = nil
    }

    // MARK: - Dispatch

    private func handle(_ packet: MQTTPacket) {
        switch packet {
        case .connect(let c): handleConnect(c)
        case .publish(let p):
            if !p.topic.isEmpty { recentTopic = p.topic }
            handlePublish(p)
        case .pubAck(let a): handlePubAck(a.packetId)
        case .pubRec(let r): handlePubRec(r.packetId)
        case .pubRel(let r): handlePubRel(r.packetId)
        case .pubComp(let c): handlePubComp(c.packetId)
        case .subscribe(let s): handleSubscribe(s)
        case .unsubscribe(let u): handleUnsubscribe(u)
        case .pingReq: send(.pingResp)
        case .disconnect(let d): handleDisconnect(d)
        case .connAck, .subAck, .unsubAck, .pingResp:
            disconnect(.protocolError, "it sent \(packet.type), which only a server sends")
        case .auth:
            // The decoder lets AUTH through only in MQTT 5; no CONNECT here named an authentication method.
            disconnect(.protocolError, "[MQTT-4.12.0-1] AUTH, but CONNECT named no authentication method")
        }
    }

    /// A malformed or forbidden packet: MQTT 3.x closes the network connection [MQTT-4.8.0-1], MQTT 5 sends
    /// DISCONNECT with the reason code first [MQTT-4.13.1-1]; an unsupported protocol level is first answered with
    /// CONNACK 0x01 [MQTT-3.1.2-2].
    private func protocolViolation(_ error: MQTTProtocolError) {
        if error.code == .unsupportedProtocolVersion && phase == .awaitingConnect {
            logger.warning("closing MQTT connection \(name): \(error)")
            send(.connAck(.init(returnCode: .unacceptableProtocolVersion)), version: .v3_1_1)
            connection.close()
            return
        }
        disconnect(error.code.reasonCode, "\(error)")
    }

    // MARK: - Output

    /// Encodes `packet` into the output. `last`: flushed after the turn's other connections
    /// (`TCPConnection.write`), for the acknowledgements of PUBLISHes, so that the deliveries the same PUBLISHes
    /// caused go out first.
    func send(_ packet: MQTTPacket, version explicit: MQTTProtocolVersion? = nil, last: Bool = false) {
        let v = explicit ?? version ?? .v3_1_1
        write(last: last) { MQTTEncoder.encode(packet, version: v, into: &$0) }
    }

    /// Appends to the socket's output through `body`; over WebSocket what `body` wrote becomes one binary frame.
    /// `last`: see `send`.
    @inline(__always) func write(last: Bool = false, _ body: (inout ByteBuffer) -> Void) {
        guard let extras, extras.webSocket else { return connection.write(last: last, body) }
        connection.write(last: last) { out in
            let mark = WebSocketFrameEncoder.beginBinaryFrame(&out)
            body(&out)
            WebSocketFrameEncoder.endBinaryFrame(&out, mark)
        }
    }

    /// From now on every write is framed for WebSocket (`MQTTWebSocketConnection`, after the handshake).
    func framesOutput() {
        let e = extras ?? MQTTConnectionExtras()
        e.webSocket = true
        extras = e
    }

    /// Another connection took over this client id: end this one (its will fires, as for any end but DISCONNECT;
    /// in MQTT 5 a delayed will is dropped when the new connection `resumed` the session, which goes on).
    func takeover(resumed: Bool) {
        guard phase != .closed else { return }
        v5?.takenOverResuming = resumed
        logger.info("closing MQTT connection \(name): client id taken over by a new connection")
        sendDisconnect(.sessionTakenOver, "another connection took over the client id")
        connection.close()
    }

    /// An operator closed the connection (management API): like any end but DISCONNECT, the will fires.
    func closeByOperator(_ reason: String) {
        guard phase != .closed else { return }
        logger.info("closing MQTT connection \(name): closed by an operator: \(reason)")
        sendDisconnect(.administrativeAction, reason)
        connection.close()
    }

    /// An operator ended the session (management API): the connection closes as if lost (the will fires), then the
    /// session queue is deleted and no state is kept.
    func endSessionByOperator() {
        guard phase != .closed else { return }
        logger.info("closing MQTT connection \(name): its session was ended by an operator")
        sendDisconnect(.administrativeAction, "the session was ended by an operator")
        cleanSession = true
        let queue = self.queue
        let vhost = self.vhost
        let clientId = self.clientId
        connection.close()
        if let queue, let vhost {
            _ = try? vhost.deleteQueue(name: queue.name, ifUnused: false, ifEmpty: false, connection: 0)
            vhost.mqttSessions.ended(clientId)
        }
    }

    /// Broker shutdown: close without publishing the will.
    func shutdown() {
        guard phase != .closed else { return }
        will.discard()
        sendDisconnect(.serverShuttingDown, "the broker is shutting down")
        connection.close()
    }
}
