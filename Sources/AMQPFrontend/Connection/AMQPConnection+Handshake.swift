import AMQPModel
import AMQPValues
import AMQPWire
import Auth
import Bytes
import Clocks
import FrontendSupport
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
        case (.open, .connectionUpdateSecret(let m)):
            try updateSecret(m)
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
        let principal: Principal
        do {
            principal = try server.login.login(
                username: username, password: password, fromLoopback: connection.remoteAddress.isLoopback)
        } catch {
            logger.warning("connection \(id) (\(name)): \(error.message)")
            throw refused
        }
        self.principal = principal
        if let credential = principal.credential { closeAtExpiry(credential) }
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
        guard let principal else { throw .connection(ReplyCode.internalError, "no user after login") }
        let user = principal.user
        let name = m.virtualHost.string
        let (vhost, authorizer): (VHost, Authorizer)
        do { (vhost, authorizer) = try server.login.open(vhost: name, in: server.broker, for: principal) } catch {
            logger.warning("connection \(id) (\(self.name)): \(error)")
            throw .connection(ReplyCode.notAllowed, "\(error)")
        }
        self.vhost = vhost
        self.authorizer = authorizer
        phase = .open
        if let t = handshakeTimer {
            eventLoop.cancelTimer(t)
            handshakeTimer = nil
        }
        send(.connectionOpenOk(ConnectionOpenOk()), channel: 0)
        server.loggedIn(
            id: id,
            ClientConnectionInfo(
                name: self.name, protocolName: "AMQP 0-9-1", user: user.name, vhost: name,
                peerHost: connection.remoteAddress.host, peerPort: connection.remoteAddress.port,
                host: connection.localAddress.host, port: connection.localAddress.port, clientId: nil,
                tls: connection.tlsNegotiated, connectedAt: Int64(MonotonicClock.unixMilliseconds())))
        logger.info("connection \(id) (\(self.name)) opened: user '\(user.name)', vhost '\(name)'")
    }

    /// connection.update-secret (RabbitMQ extension): a token login presents a fresh token for the same user;
    /// its scopes replace the old ones and its expiry moves the close deadline. Anything else closes the connection.
    private func updateSecret(_ m: ConnectionUpdateSecret) throws(AMQPError) {
        guard let principal, let authorizer else { throw .connection(ReplyCode.internalError, "no user after login") }
        guard principal.credential != nil else {
            throw AMQPError.connection(
                ReplyCode.notAllowed,
                "connection.update-secret needs a connection that logged in with an OAuth2 token; user '\(principal.user.name)' logged in with a password"
            ).during(classId: ConnectionUpdateSecret.classId, methodId: ConnectionUpdateSecret.methodId)
        }
        let credential: TokenCredential
        do { credential = try server.authenticator.renew(principal, token: m.newSecret) } catch {
            throw AMQPError.connection(ReplyCode.accessRefused, error.message)
                .during(classId: ConnectionUpdateSecret.classId, methodId: ConnectionUpdateSecret.methodId)
        }
        self.principal = Principal(credential: credential)
        authorizer.renew(credential)
        closeAtExpiry(credential)
        send(.connectionUpdateSecretOk(ConnectionUpdateSecretOk()), channel: 0)
        logger.info(
            "connection \(id) (\(name)): token of user '\(principal.user.name)' renewed (\(m.reason)), valid until \(credential.deadline)"
        )
    }

    /// Arms (or re-arms) the close at the token's deadline: connection.close 403 ACCESS_REFUSED.
    private func closeAtExpiry(_ credential: TokenCredential) {
        if let t = tokenTimer { eventLoop.cancelTimer(t) }
        tokenTimer = eventLoop.scheduleTimer(after: .seconds(credential.secondsRemaining)) { [weak self] in
            guard let self else { return }
            self.tokenTimer = nil
            if self.phase == .open {
                self.closeConnection(.connection(ReplyCode.accessRefused, "access token expired"))
            } else if self.phase != .closed && self.phase != .closing {
                self.connection.close()
            }
        }
    }

    private func startHeartbeats() {
        guard heartbeat > 0 else { return }
        let intervalNs = UInt64(heartbeat) * 1_000_000_000
        let tick = Duration.milliseconds(max(500, Int(heartbeat) * 500))
        func arm() {
            heartbeatTimer = eventLoop.scheduleTimer(after: tick) { [weak self] in
                guard let self, self.phase != .closed else { return }
                let now = self.eventLoop.now
                if !self.publisherFlow.blockedByAlarm && now &- self.lastReadAt > 2 * intervalNs {
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
