import AMQPModel
import AMQPValues
import Auth
import Bytes
import MQTTCodec
import Transport

/// One MQTT 3.1 / 3.1.1 client connection: CONNECT, packet dispatch, keepalive and the end of the session.
///
/// Lives on one event loop for its whole life, like `AMQPConnection`; `@unchecked Sendable` only so loop
/// tasks can capture it, and they always hop to its loop first.
final class MQTTConnection: ConnectionHandler, @unchecked Sendable {
    enum Phase {
        case awaitingConnect, connected, closed
    }

    /// A QoS 1 or 2 PUBLISH sent to the client and not yet acknowledged.
    struct Inflight {
        /// The queue entry, or nil for a retained message replayed on subscribe (nothing to settle).
        var entry: QueueEntry?
        let qos: UInt8
        /// QoS 2: PUBREC received and PUBREL sent; waiting for PUBCOMP.
        var awaitingComp = false
    }

    let id: UInt64
    let server: MQTTServer
    let connection: TCPConnection
    let logger: Logger
    var eventLoop: EventLoop { connection.eventLoop }
    var configuration: MQTTServerConfiguration { server.configuration }

    var phase = Phase.awaitingConnect
    var version: MQTTProtocolVersion?
    var clientId: ByteString = ""
    var key: MQTTSessionRegistry.Key?
    var user: User?
    var vhost: VHost?
    var authorizer: Authorizer?
    var cleanSession = true
    var keepAlive: UInt16 = 0
    var will: MQTTPacket.Connect.Will?
    /// Set by DISCONNECT: the will is discarded [MQTT-3.14.4-3].
    var disconnectedCleanly = false
    var session = MQTTSessionState()
    var queue: Queue?
    var handle: ConsumerHandle?
    var exchange: Exchange?
    var routeTargets = RouteTargets<Destination>()
    var inflight: [UInt16: Inflight] = [:]
    /// PUBACK / PUBREC waiting for their messages to be durable, in PUBLISH order.
    var pendingAcks: [(packet: MQTTPacket, generation: UInt64)] = []
    var awaitedGeneration: UInt64 = 0
    var nextPacketId: UInt16 = 1
    var deliveryBatch: [QueueEntry] = []
    var drainScheduled = false
    var pausedWindow = 0
    var windowReleaseScheduled = false
    var blockedByAlarm = false
    var lastReadAt: UInt64 = 0
    var connectTimer: TimerID?
    var keepAliveTimer: TimerID?
    /// Closes a token login's connection when its token expires.
    var tokenTimer: TimerID?
    /// Publisher flow control: set while a queue this client publishes into is overloaded.
    var throttle = PublisherThrottle()
    var throttleTimer: TimerID?
    lazy var sink = MQTTConsumerSink(connection: self)

    init(id: UInt64, server: MQTTServer, connection: TCPConnection) {
        self.id = id
        self.server = server
        self.connection = connection
        self.logger = server.logger
    }

    /// "client 'sensor-1' (127.0.0.1:50000)" once CONNECT named it, else the peer address.
    var name: String {
        phase == .awaitingConnect ? "\(connection.remoteAddress)" : "client '\(clientId)' (\(connection.remoteAddress))"
    }

    // MARK: - ConnectionHandler

    func connectionActive(_ connection: TCPConnection) {
        lastReadAt = eventLoop.now
        connectTimer = eventLoop.scheduleTimer(after: .seconds(configuration.connectTimeout)) { [weak self] in
            guard let self, self.phase == .awaitingConnect else { return }
            self.logger.warning(
                "closing MQTT connection \(self.name): no CONNECT within \(self.configuration.connectTimeout) s")
            self.connection.abort()
        }
    }

    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) {
        lastReadAt = eventLoop.now
        while phase != .closed && connection.isOpen {
            if phase == .connected && ResourceAlarm.isDiskAlarmed && (buffer.peekUInt8() ?? 0) >> 4 == 3 {
                // Below free_disk_min no PUBLISH is taken: it stays unread until space returns.
                blockForResources()
                return
            }
            let packet: MQTTPacket
            do {
                guard
                    let p = try MQTTDecoder.decode(
                        &buffer, version: version, maxPacketSize: configuration.maxPacketSize)
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

    /// Returns the window credit of flushed deliveries when the socket is writable (else the writability
    /// callback does it once the socket drains below the low watermark).
    func releaseWindow() {
        guard connection.isWritable, pausedWindow > 0, let handle else { return }
        handle.window.release(pausedWindow)
        pausedWindow = 0
        handle.queue.creditAvailable()
    }

    func connectionClosed(_ connection: TCPConnection) {
        let wasConnected = phase == .connected
        phase = .closed
        for t in [connectTimer, keepAliveTimer, tokenTimer, throttleTimer].compactMap({ $0 }) { eventLoop.cancelTimer(t) }
        if wasConnected { endSession() }
        connection.handler = nil
    }

    // MARK: - Dispatch

    private func handle(_ packet: MQTTPacket) {
        switch packet {
        case .connect(let c): handleConnect(c)
        case .publish(let p): handlePublish(p)
        case .pubAck(let a): handlePubAck(a.packetId)
        case .pubRec(let r): handlePubRec(r.packetId)
        case .pubRel(let r): handlePubRel(r.packetId)
        case .pubComp(let c): handlePubComp(c.packetId)
        case .subscribe(let s): handleSubscribe(s)
        case .unsubscribe(let u): handleUnsubscribe(u)
        case .pingReq: send(.pingResp)
        case .disconnect:
            disconnectedCleanly = true
            will = nil
            connection.close()
        case .connAck, .subAck, .unsubAck, .pingResp:
            logger.warning("closing MQTT connection \(name): it sent \(packet.type), which only a server sends")
            connection.close()
        }
    }

    /// A malformed or forbidden packet: MQTT 3.x closes the network connection [MQTT-4.8.0-1]; an unsupported
    /// protocol level is first answered with CONNACK 0x01 [MQTT-3.1.2-2].
    private func protocolViolation(_ error: MQTTProtocolError) {
        logger.warning("closing MQTT connection \(name): \(error)")
        if error.code == .unsupportedProtocolVersion && phase == .awaitingConnect {
            send(.connAck(.init(returnCode: .unacceptableProtocolVersion)), version: .v3_1_1)
        }
        connection.close()
    }

    // MARK: - Output

    func send(_ packet: MQTTPacket, version explicit: MQTTProtocolVersion? = nil) {
        let v = explicit ?? version ?? .v3_1_1
        connection.write { MQTTEncoder.encode(packet, version: v, into: &$0) }
    }

    // MARK: - Keepalive

    /// Closes the connection when nothing arrived for 1.5 × keepalive [MQTT-3.1.2-24].
    func startKeepAlive() {
        guard keepAlive > 0 else { return }
        let limitNs = UInt64(keepAlive) * 1_500_000_000
        let tick = Duration.milliseconds(max(250, Int(keepAlive) * 250))
        keepAliveTimer = eventLoop.scheduleTimer(after: tick) { [weak self] in
            guard let self, self.phase == .connected else { return }
            if !self.blockedByAlarm && self.eventLoop.now &- self.lastReadAt > limitNs {
                self.logger.warning(
                    "closing MQTT connection \(self.name): nothing received within 1.5 x keepalive \(self.keepAlive) s")
                self.connection.close()
                return
            }
            self.startKeepAlive()
        }
    }

    /// Another connection took over this client id: end this one (its will fires, as for any end but DISCONNECT).
    func takeover() {
        guard phase != .closed else { return }
        logger.info("closing MQTT connection \(name): client id taken over by a new connection")
        connection.close()
    }

    /// Broker shutdown: close without publishing the will.
    func shutdown() {
        guard phase != .closed else { return }
        will = nil
        connection.close()
    }
}
