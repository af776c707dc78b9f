import AMQPModel
import AMQPWire
import Bytes
import Transport

/// Connection class methods (AMQP 0-9-1 §4.2.4): start, tune, open, close, and heartbeats.
extension AMQPConnection {
    static let serverProperties: FieldTable = [
        "product": .string("Gateway"),
        "version": .string(GatewayVersion.current),
        "platform": .string("Swift"),
        "information": .string("AMQP 0-9-1 and MQTT broker"),
        "capabilities": .table([
            "publisher_confirms": .bool(true),
            "exchange_exchange_bindings": .bool(true),
            "basic.nack": .bool(true),
            "consumer_cancel_notify": .bool(true),
            "connection.blocked": .bool(true),
            "authentication_failure_close": .bool(true),
            "per_consumer_qos": .bool(true),
        ]),
    ]

    func sendStart() {
        phase = .awaitingStartOk
        send(
            .connectionStart(
                ConnectionStart(
                    versionMajor: 0, versionMinor: 9, serverProperties: Self.serverProperties,
                    mechanisms: Array("PLAIN AMQPLAIN".utf8), locales: Array("en_US".utf8))),
            channel: 0)
    }

    func handleConnectionMethod(_ method: AMQPMethod) throws(AMQPError) {
        switch (phase, method) {
        case (.awaitingStartOk, .connectionStartOk(let m)):
            try startOk(m)
        case (.awaitingTuneOk, .connectionTuneOk(let m)):
            tuneOk(m)
        case (.awaitingOpen, .connectionOpen(let m)):
            try open(m)
        case (.closing, .connectionCloseOk), (.closing, .connectionClose):
            if case .connectionClose = method { send(.connectionCloseOk(ConnectionCloseOk()), channel: 0) }
            connection.close()
        case (.closing, _):
            return
        case (_, .connectionClose(let m)):
            logger.debug("connection \(id) closed by client: \(m.replyCode) \(m.replyText)")
            for ch in channels.values { ch.release() }
            channels.removeAll()
            phase = .closing
            send(.connectionCloseOk(ConnectionCloseOk()), channel: 0)
            connection.close()
        default:
            throw AMQPError.connection(
                ReplyCode.commandInvalid,
                "unexpected method (class \(method.classId), method \(method.methodId)) on channel 0"
            )
            .during(classId: method.classId, methodId: method.methodId)
        }
    }

    private func startOk(_ m: ConnectionStartOk) throws(AMQPError) {
        capabilities = ClientCapabilities(clientProperties: m.clientProperties)
        guard let (username, password) = Self.credentials(mechanism: m.mechanism, response: m.response) else {
            throw .connection(
                ReplyCode.accessRefused, "unsupported authentication mechanism '\(m.mechanism)' or malformed response")
        }
        let refused = AMQPError.connection(
            ReplyCode.accessRefused,
            "Login was refused using authentication mechanism \(m.mechanism). For details see the broker logfile.")
        guard let user = server.broker.users.authenticate(username: username, password: password) else {
            logger.warning("connection \(id) (\(name)): login refused for user '\(username)': invalid credentials")
            throw refused
        }
        if configuration.defaultUserOnlyLoopback && user.name == configuration.defaultUser
            && !connection.remoteAddress.isLoopback
        {
            logger.warning(
                "connection \(id) (\(name)): login refused for user '\(username)': the default user may only connect from loopback"
            )
            throw refused
        }
        self.user = user
        phase = .awaitingTuneOk
        send(
            .connectionTune(
                ConnectionTune(
                    channelMax: configuration.channelMax, frameMax: configuration.frameMax,
                    heartbeat: configuration.heartbeat)),
            channel: 0)
    }

    /// PLAIN ("\0user\0password") and AMQPLAIN (a field table without its length prefix, LOGIN and PASSWORD).
    static func credentials(mechanism: ByteString, response: [UInt8]) -> (String, [UInt8])? {
        switch mechanism.string {
        case "PLAIN":
            let parts = response.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return (String(decoding: parts[1], as: UTF8.self), Array(parts[2]))
        case "AMQPLAIN":
            var buf = ByteBuffer(capacity: response.count + 4)
            buf.writeInteger(UInt32(response.count))
            buf.writeBytes(response)
            guard let table = try? FieldTable.decode(&buf),
                case .longString(let login)? = table["LOGIN"],
                case .longString(let password)? = table["PASSWORD"]
            else { return nil }
            return (String(decoding: login, as: UTF8.self), password)
        default:
            return nil
        }
    }

    private func tuneOk(_ m: ConnectionTuneOk) {
        let offered = Int(configuration.frameMax)
        frameMax = m.frameMax == 0 ? offered : max(4096, min(Int(m.frameMax), offered))
        channelMax = m.channelMax == 0 ? configuration.channelMax : min(m.channelMax, configuration.channelMax)
        heartbeat = m.heartbeat
        phase = .awaitingOpen
        startHeartbeats()
    }

    private func open(_ m: ConnectionOpen) throws(AMQPError) {
        guard let user else { throw .connection(ReplyCode.internalError, "no user after login") }
        let name = m.virtualHost.string
        guard let vhost = server.broker.vhost(named: name) else {
            logger.warning("connection \(id) (\(self.name)): vhost '\(name)' not found")
            throw .connection(ReplyCode.notAllowed, "vhost '\(name)' not found")
        }
        let authorizer = Authorizer(store: server.broker.users, user: user, vhost: name)
        guard authorizer.hasVhostAccess else {
            logger.warning("connection \(id) (\(self.name)): access to vhost '\(name)' refused for user '\(user.name)'")
            throw .connection(ReplyCode.notAllowed, "access to vhost '\(name)' refused for user '\(user.name)'")
        }
        self.vhost = vhost
        self.authorizer = authorizer
        phase = .open
        if let t = handshakeTimer {
            eventLoop.cancelTimer(t)
            handshakeTimer = nil
        }
        send(.connectionOpenOk(ConnectionOpenOk()), channel: 0)
        logger.info("connection \(id) (\(self.name)) opened: user '\(user.name)', vhost '\(name)'")
    }

    private func startHeartbeats() {
        guard heartbeat > 0 else { return }
        let intervalNs = UInt64(heartbeat) * 1_000_000_000
        let tick = Duration.milliseconds(max(500, Int(heartbeat) * 500))
        func arm() {
            heartbeatTimer = eventLoop.scheduleTimer(after: tick) { [weak self] in
                guard let self, self.phase != .closed else { return }
                let now = self.eventLoop.now
                if !self.blockedByAlarm && now &- self.lastReadAt > 2 * intervalNs {
                    self.logger.warning(
                        "closing connection \(self.id) (\(self.name)): missed heartbeats from client, timeout \(self.heartbeat) s"
                    )
                    self.connection.abort()
                    return
                }
                if now &- self.lastWriteAt >= intervalNs / 2 {
                    self.lastWriteAt = now
                    self.connection.write { FrameEncoder.writeHeartbeat(into: &$0) }
                }
                arm()
            }
        }
        arm()
    }
}
