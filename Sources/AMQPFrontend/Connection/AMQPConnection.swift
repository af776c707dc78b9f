import AMQPModel
import AMQPWire
import Auth
import Bytes
import FrontendSupport
import Transport

/// One AMQP 0-9-1 client connection: the handshake, frame dispatch to channels, heartbeats and close.
///
/// Lives on one event loop for its whole life; every method runs on that loop's thread, which is why it
/// needs no locks. It is `@unchecked Sendable` only so loop tasks can capture it; they always hop to its
/// loop first (`eventLoop.execute`).
final class AMQPConnection: ConnectionHandler, @unchecked Sendable {
    enum Phase {
        case awaitingProtocolHeader, awaitingStartOk, awaitingTuneOk, awaitingOpen, open
        /// We sent connection.close and wait for close-ok; everything else is ignored.
        case closing
        case closed
    }

    let id: UInt64
    let server: AMQPServer
    let connection: TCPConnection
    let logger: Logger
    var eventLoop: EventLoop { connection.eventLoop }
    var configuration: AMQPServerConfiguration { server.configuration }

    var phase = Phase.awaitingProtocolHeader
    var frameMax: Int
    var channelMax: UInt16
    var heartbeat: UInt16 = 0
    /// Who logged in (set by start-ok); a token login's credential is replaced by `connection.update-secret`.
    var principal: Principal?
    var user: User? { principal?.user }
    var vhost: VHost?
    var authorizer: Authorizer?
    var capabilities = ClientCapabilities()
    var channels: [UInt16: AMQPChannel] = [:] {
        didSet {
            // Opened or closed (not a channel's own change): the management plane's list follows.
            if oldValue.count != channels.count { server.channelsChanged(id: id, Array(channels.keys)) }
        }
    }
    /// Set after a framing error: the byte stream can no longer be trusted, so input is dropped.
    var discardInput = false
    /// The broker's resource alarm (publishers are blocked while it is on).
    let alarm: ResourceAlarm
    /// Reading paused by the resource alarm (connection.blocked sent) or an overloaded queue.
    var publisherFlow = PublisherFlow()

    var lastReadAt: UInt64 = 0
    var lastWriteAt: UInt64 = 0
    var handshakeTimer: TimerID?
    var heartbeatTimer: TimerID?
    var closeTimer: TimerID?
    /// Closes a token login's connection when its token expires.
    var tokenTimer: TimerID?

    /// Consumers whose queues assigned messages since the last drain.
    var drainList: [ConsumerHandle] = []
    var drainScheduled = false
    /// Deliveries written but not yet known to be flushed, per consumer (their window credit is held).
    var pausedConsumers: [(handle: ConsumerHandle, count: Int)] = []
    var windowReleaseScheduled = false
    /// Channels with publisher confirms to send at the end of this loop turn.
    var confirmList: [AMQPChannel] = []

    init(id: UInt64, server: AMQPServer, connection: TCPConnection) {
        self.id = id
        self.server = server
        self.connection = connection
        self.logger = server.logger
        self.alarm = server.broker.resourceAlarm
        self.frameMax = Int(server.configuration.frameMax)
        self.channelMax = server.configuration.channelMax
    }

    /// "127.0.0.1:50000 -> 127.0.0.1:5672", as RabbitMQ names connections.
    var name: String { connectionName }

    /// `peer:port -> local:port`, from the socket's immutable addresses (readable from any thread).
    var connectionName: String { "\(connection.remoteAddress) -> \(connection.localAddress)" }

    // MARK: - ConnectionHandler

    func connectionActive(_ connection: TCPConnection) {
        lastReadAt = eventLoop.now
        lastWriteAt = lastReadAt
        logger.debug("accepted connection \(id) (\(name))")
        handshakeTimer = eventLoop.scheduleTimer(after: .seconds(configuration.handshakeTimeout)) { [weak self] in
            guard let self, self.phase != .open, self.phase != .closed else { return }
            self.logger.warning(
                "closing connection \(self.id) (\(self.name)): handshake not finished within \(self.configuration.handshakeTimeout) s"
            )
            self.connection.abort()
        }
    }

    func connectionRead(_ connection: TCPConnection, _ buffer: inout ByteBuffer) {
        lastReadAt = eventLoop.now
        if discardInput || phase == .closed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return
        }
        if phase == .awaitingProtocolHeader {
            guard readProtocolHeader(&buffer) else { return }
        }
        while !discardInput && phase != .closed {
            if phase == .open && alarm.isDiskAlarmed && Self.startsWithPublish(buffer) {
                // Below free_disk_min nothing new is taken: the publish stays unread until space returns.
                blockPublisher(alarm)
                return
            }
            let frame: Frame
            do {
                guard let f = try FrameDecoder.decode(&buffer, maxFrameSize: frameMax) else { break }
                frame = f
            } catch {
                // The byte stream can no longer be framed: say why, then close without waiting for close-ok.
                discardInput = true
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                fail(AMQPError(error))
                connection.close()
                break
            }
            do {
                try handle(frame)
            } catch {
                fail(error)
            }
        }
    }

    func connectionWritabilityChanged(_ connection: TCPConnection) {
        releaseWindows()
    }

    /// `count` deliveries of `handle` were written into the outbound buffer. Their window credit comes back
    /// after this turn's flush, once the socket took them (below the low watermark): a consumer whose client
    /// reads slowly stops taking messages out of its queue.
    func windowWritten(_ handle: ConsumerHandle, _ count: Int) {
        pausedConsumers.append((handle, count))
        guard !windowReleaseScheduled else { return }
        windowReleaseScheduled = true
        eventLoop.execute(self)
    }

    func afterFlush() {
        windowReleaseScheduled = false
        releaseWindows()
    }

    /// Returns window credit to the consumers whose deliveries were flushed, if the socket is writable again
    /// (otherwise the writability callback does it when the socket drains).
    private func releaseWindows() {
        guard connection.isWritable, !pausedConsumers.isEmpty else { return }
        let resumed = pausedConsumers
        pausedConsumers.removeAll(keepingCapacity: true)
        for (handle, count) in resumed {
            handle.releaseWindow(count)
            handle.queue.creditAvailable()
        }
    }

    func connectionClosed(_ connection: TCPConnection) {
        let wasOpen = phase == .open || phase == .closing
        phase = .closed
        for t in [handshakeTimer, heartbeatTimer, closeTimer, tokenTimer].compactMap({ $0 }) {
            eventLoop.cancelTimer(t)
        }
        stopPublisherFlow()
        for ch in channels.values { ch.release() }
        channels.removeAll()
        for (handle, count) in pausedConsumers { handle.releaseWindow(count) }
        pausedConsumers.removeAll()
        vhost?.deleteExclusiveQueues(owner: id)
        server.connectionEnded(id: id)
        if wasOpen, let user {
            logger.info("closed connection \(id) (\(name)) user '\(user.name)'")
        } else {
            logger.debug("closed connection \(id) (\(name))")
        }
        connection.handler = nil
    }

    // MARK: - Frames

    private func readProtocolHeader(_ buffer: inout ByteBuffer) -> Bool {
        let n = min(buffer.readableBytes, amqpProtocolHeader.count)
        for i in 0..<n where buffer.peekUInt8(at: i) != amqpProtocolHeader[i] {
            refuseProtocolHeader(&buffer)
            return false
        }
        guard n == amqpProtocolHeader.count else { return false }
        buffer.moveReaderIndex(forwardBy: n)
        sendStart()
        return true
    }

    /// AMQP 0-9-1 §4.2.2: answer a bad protocol header with the one we speak, then close.
    private func refuseProtocolHeader(_ buffer: inout ByteBuffer) {
        logger.warning("connection \(id) (\(name)) sent an invalid protocol header; closing")
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        discardInput = true
        connection.write { $0.writeBytes(amqpProtocolHeader) }
        connection.close()
    }

    /// True when the next frame in `buffer` is a basic.publish method frame (type 1, class 60, method 40).
    static func startsWithPublish(_ buffer: ByteBuffer) -> Bool {
        buffer.peekUInt8() == 1 && buffer.peekInteger(at: 7, as: UInt32.self) == 0x003C_0028
    }

    private func handle(_ frame: Frame) throws(AMQPError) {
        switch frame.type {
        case .heartbeat:
            if frame.channel != 0 {
                throw .connection(ReplyCode.unexpectedFrame, "heartbeat frame on channel \(frame.channel)")
            }
        case .method:
            var payload = frame.payload
            let method: AMQPMethod
            do { method = try AMQPMethod.decode(&payload) } catch {
                let ids = (
                    frame.payload.peekInteger(at: 0, as: UInt16.self), frame.payload.peekInteger(at: 2, as: UInt16.self)
                )
                throw AMQPError(error).during(classId: ids.0 ?? 0, methodId: ids.1 ?? 0)
            }
            if frame.channel == 0 {
                try handleConnectionMethod(method)
            } else {
                try channelMethod(method, channel: frame.channel)
            }
        case .header, .body:
            guard phase == .open, frame.channel != 0 else {
                if phase == .closing { return }
                throw .connection(ReplyCode.unexpectedFrame, "content frame on channel \(frame.channel)")
            }
            guard let ch = channels[frame.channel] else {
                throw .connection(ReplyCode.channelError, "expected 'channel.open' on channel \(frame.channel)")
            }
            try dispatch(on: ch) { ch throws(AMQPError) in try ch.handleContent(frame) }
        }
    }

    private func channelMethod(_ method: AMQPMethod, channel number: UInt16) throws(AMQPError) {
        switch phase {
        case .closing, .closed:
            return
        case .open:
            break
        default:
            throw .connection(ReplyCode.channelError, "channel \(number) used before connection.open")
        }
        if let ch = channels[number] {
            try dispatch(on: ch) { ch throws(AMQPError) in try ch.handle(method) }
            return
        }
        guard case .channelOpen = method else {
            throw .connection(ReplyCode.channelError, "expected 'channel.open' on channel \(number)")
        }
        guard number <= channelMax else {
            throw .connection(ReplyCode.channelError, "channel \(number) exceeds channel_max \(channelMax)")
        }
        channels[number] = AMQPChannel(number: number, connection: self)
        send(.channelOpenOk(ChannelOpenOk()), channel: number)
    }

    /// Runs channel work; a channel exception closes that channel only, a connection exception propagates.
    private func dispatch(on ch: AMQPChannel, _ body: (AMQPChannel) throws(AMQPError) -> Void) throws(AMQPError) {
        do {
            try body(ch)
        } catch {
            if error.connectionLevel { throw error }
            ch.close(with: error)
        }
    }

    // MARK: - Output

    /// Writes one method frame. `last`: flushed after the turn's other connections (`TCPConnection.write`), for
    /// publisher confirms, so that the deliveries the same publishes caused go out first.
    func send(_ method: AMQPMethod, channel: UInt16, last: Bool = false) {
        lastWriteAt = eventLoop.now
        connection.write(last: last) { FrameEncoder.writeMethod(method, channel: channel, into: &$0) }
    }

    // MARK: - Errors and close

    /// Answers a connection exception (channel exceptions never reach here: `dispatch` closes the channel).
    func fail(_ error: AMQPError) {
        closeConnection(error)
    }

    /// Sends connection.close and waits (bounded) for close-ok before closing the socket.
    func closeConnection(_ error: AMQPError) {
        guard phase != .closing, phase != .closed else { return }
        if error.replyCode != ReplyCode.connectionForced {
            logger.warning("closing connection \(id) (\(name)): \(error.replyText)")
        }
        phase = .closing
        for ch in channels.values { ch.release() }
        channels.removeAll()
        send(
            .connectionClose(
                ConnectionClose(
                    replyCode: error.replyCode, replyText: error.replyText, classId: error.classId,
                    methodId: error.methodId)),
            channel: 0)
        closeTimer = eventLoop.scheduleTimer(after: .seconds(3)) { [weak self] in self?.connection.close() }
    }

    /// Broker shutdown: close with 320 CONNECTION_FORCED.
    func forceClose(reason: String) {
        if phase == .open {
            closeConnection(.connection(ReplyCode.connectionForced, reason))
        } else if phase != .closed && phase != .closing {
            connection.close()
        }
    }
}
