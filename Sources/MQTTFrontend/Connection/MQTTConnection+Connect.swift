import AMQPModel
import AMQPValues
import Auth
import FrontendSupport
import MQTTCodec
import Transport

/// CONNECT (MQTT 3.1.1 §3.1, MQTT 5.0 §3.1): client id, authentication through the broker's user store, vhost
/// selection, takeover, the session queue `mqtt.<client_id>` (design §4) and, in MQTT 5, the session expiry and the
/// limits both sides announce.
extension MQTTConnection {
    func handleConnect(_ c: MQTTPacket.Connect) {
        version = c.protocolVersion
        let isV5 = c.protocolVersion == .v5
        var sessionExpiry: UInt32 = 0
        if isV5 {
            sessionExpiry = min(c.properties.sessionExpiryInterval ?? 0, configuration.maxSessionExpiryInterval)
            let state = MQTT5State(
                connect: c, sessionExpiry: sessionExpiry, topicAliasMaximum: configuration.topicAliasMaximum)
            let e = extras ?? MQTTConnectionExtras()
            e.v5 = state
            extras = e
            if let method = c.properties.authenticationMethod {
                return refuse(.badAuthenticationMethod, "authentication method '\(method)' is not supported")
            }
        }
        // The session outlives the connection: MQTT 3.x without clean session, MQTT 5 with a session expiry.
        cleanSession = isV5 ? sessionExpiry == 0 : c.cleanSession

        var id = c.clientId
        var assigned = false
        if id.isEmpty {
            // [MQTT-3.1.3-8]: an empty client id needs clean session in 3.1.1; [MQTT-3.1.3-6]: the server assigns
            // one (MQTT 5 tells the client which [MQTT-3.2.2-16]).
            guard c.cleanSession || isV5 else {
                return refuse(.clientIdentifierNotValid, "empty client id without clean session")
            }
            id = Self.generatedClientId()
            assigned = true
        }
        guard id.count <= 250 else { return refuse(.clientIdentifierNotValid, "client id longer than 250 bytes") }
        guard !MQTTSharedSubscription.isReserved(clientId: id) else {
            return refuse(
                .clientIdentifierNotValid, "client ids starting with '$share/' name shared subscription queues")
        }

        guard let (vhostName, principal) = authenticate(c) else { return }
        let user = principal.user
        if configuration.clientIdMustMatchUsername && id.bytes != Array(user.name.utf8) {
            return refuse(.clientIdentifierNotValid, "client id must equal the user name '\(user.name)'")
        }
        let (vhost, authorizer): (VHost, Authorizer)
        do {
            (vhost, authorizer) = try server.login.open(
                vhost: vhostName, in: server.broker, for: principal, clientId: id.string)
        } catch {
            return refuse(.notAuthorized, "\(error)")
        }
        userName = user.name
        self.vhost = vhost
        if configuration.permissionCheckEnabled { self.authorizer = authorizer }
        exchange = vhost.exchange(named: "mqtt.default")

        let key = MQTTSessionRegistry.Key(vhost: vhostName, clientId: id)
        self.key = key
        let discardsSession = c.cleanSession
        if let previous = server.sessions.claim(key, by: self, resumes: !discardsSession) {
            previous.eventLoop.execute { previous.takeover(resumed: !discardsSession) }
        }
        let sessionPresent: Bool
        let saved: MQTTSessionStates.Entry
        do {
            (sessionPresent, saved) = try openSession(vhost: vhost, key: key, clientId: id, discard: discardsSession)
        } catch {
            server.sessions.release(key, by: self)
            return refuse(.serverUnavailable, "cannot open the session queue: \(error)")
        }
        if let queue, queue.durable { keepSessionExpiry(queue, vhost: vhost, clientId: id) }

        phase = .connected
        keepAlive = MQTTKeepAlive(requested: c.keepAlive, maximum: configuration.maxKeepalive, now: eventLoop.now)
        will = MQTTLastWill(c.will)
        inbound = MQTTInbound(awaitingRelease: saved.awaitingRelease)
        if let credential = principal.credential { closeAtExpiry(credential) }
        var ack = MQTTPacket.ConnAck(sessionPresent: sessionPresent, reasonCode: .success)
        if isV5 {
            ack.properties = connAckProperties(
                connect: c, sessionExpiry: sessionExpiry, assignedClientId: assigned ? id : nil)
            if sessionPresent, let queue { restoreSubscriptionOptions(queue) }
        }
        send(.connAck(ack))
        server.loggedIn(self)
        let lifetime = isV5 ? "session expiry \(sessionExpiry) s" : c.cleanSession ? "clean session" : "persistent session"
        logger.info(
            "MQTT \(name) connected: \(c.protocolVersion), user '\(user.name)', vhost '\(vhostName)', "
                + "\(lifetime), keepalive \(keepAlive.seconds) s")
        for id in outbound.resume(released: saved.awaitingCompletion) { send(.pubRel(.init(packetId: id))) }
        if let queue, let handle {
            do { try queue.addConsumer(handle) } catch {
                logger.error("MQTT \(name): cannot consume from \(queue.name): \(error)")
                connection.close()
                return
            }
        }
        if !saved.shared.isEmpty { resumeShared(saved.shared) }
    }

    /// Resolves the principal (and vhost) of a CONNECT through the authentication chain, or refuses it. User
    /// names of the form `vhost:user` pick a vhost; without a colon the default vhost is used (design §4). For a
    /// token login the user part is ignored: the token names the user.
    private func authenticate(_ c: MQTTPacket.Connect) -> (String, Principal)? {
        var vhostName = configuration.defaultVhost
        var userName: String?
        if let raw = c.username {
            let text = raw.string
            if let colon = text.firstIndex(of: ":") {
                vhostName = String(text[..<colon])
                userName = String(text[text.index(after: colon)...])
            } else {
                userName = text
            }
        }
        let fromLoopback = connection.remoteAddress.isLoopback
        let principal: Principal
        if let userName, let password = c.password {
            do {
                principal = try server.login.login(username: userName, password: password, fromLoopback: fromLoopback)
            } catch {
                refuse(.badUserNameOrPassword, error.message)
                return nil
            }
        } else if configuration.allowAnonymous {
            let name = configuration.anonymousUser ?? configuration.defaultUser
            guard let u = server.authenticator.users.user(named: name) else {
                refuse(.notAuthorized, "anonymous login: the anonymous user '\(name)' does not exist")
                return nil
            }
            principal = Principal(user: u)
            do { try server.login.admit(principal, fromLoopback: fromLoopback) } catch {
                refuse(.notAuthorized, error.message)
                return nil
            }
        } else {
            refuse(.badUserNameOrPassword, "login refused: no user name or password (allow_anonymous is off)")
            return nil
        }
        return (vhostName, principal)
    }

    /// Closes the connection when the token it logged in with expires; not a DISCONNECT, so the will fires.
    /// (The loop's deadline sweep closes it: `checkDeadlines`.)
    private func closeAtExpiry(_ credential: TokenCredential) {
        tokenExpiresAt = eventLoop.now &+ UInt64(credential.secondsRemaining) * 1_000_000_000
    }

    /// What the management plane shows of this connection; nil before CONNECT was accepted. Reads only what CONNECT
    /// set before the session registry published the connection.
    func info(tls: (protocolVersion: String, cipher: String)?) -> ClientConnectionInfo? {
        guard let key else { return nil }
        let remote = connection.remoteAddress
        let local = connection.localAddress
        return ClientConnectionInfo(
            name: connectionName, protocolName: (version ?? .v3_1_1).description, user: userName,
            vhost: key.vhost, peerHost: remote.host, peerPort: remote.port, host: local.host, port: local.port,
            clientId: key.clientId.string, tls: tls, connectedAt: connection.acceptedAt)
    }

    /// Declares the session queue and subscribes to it. Sessions that end with the connection start empty and vanish
    /// with it (auto-delete); persistent ones keep a durable queue, their bindings and QoS 2 state (on disk,
    /// `VHost.mqttSessions`). An MQTT 5 client resuming a persistent session with a session expiry of 0 keeps its
    /// durable queue until it disconnects (`endSession` deletes it then). Returns CONNACK's session-present flag and
    /// the QoS 2 state the session had.
    private func openSession(
        vhost: VHost, key: MQTTSessionRegistry.Key, clientId: ByteString, discard: Bool
    ) throws(BrokerError) -> (present: Bool, saved: MQTTSessionStates.Entry) {
        let queueName = key.sessionQueue
        var existing = vhost.queue(named: queueName)
        if let q = existing, discard || q.autoDelete {
            // A clean start discards any previous session [MQTT-3.1.2-6]; a leftover clean queue is not a session.
            _ = try? vhost.deleteQueue(name: queueName, ifUnused: false, ifEmpty: false, connection: 0)
            existing = nil
        }
        if existing == nil {
            // No session: whatever state was kept for the client id is forgotten, shared subscriptions included.
            let held = vhost.mqttSessions.entry(for: clientId).shared
            vhost.mqttSessions.ended(clientId)
            for raw in held.keys {
                if case .shared(let sub) = MQTTSharedSubscription.parse(raw) { leaveShared(sub) }
            }
        }
        let durable = existing?.durable ?? !cleanSession
        let q = try vhost.declareQueue(
            name: queueName, durable: durable, exclusiveOwner: nil, autoDelete: !durable,
            arguments: FieldTable(), connection: id, dropsQoS0WithoutConsumers: !configuration.queueQoS0Offline
        ).queue
        let saved = durable ? vhost.mqttSessions.entry(for: clientId) : MQTTSessionStates.Entry()
        // The client's Receive Maximum bounds what is in flight to it, like `max_inflight_messages` [MQTT-3.3.4-9].
        let inflight = min(configuration.maxInflightMessages, Int(v5?.clientReceiveMaximum ?? UInt16.max))
        handle = ConsumerHandle(
            tag: Self.consumerTag, queue: q, noAck: false, exclusive: false, prefetch: inflight, channelCredit: nil,
            channelID: 0, consumer: self)
        return (!cleanSession && existing != nil, saved)
    }

    /// The consumer tag of every session's consumer on its queue (a session queue has exactly one consumer).
    static let consumerTag: ByteString = "mqtt-session"

    /// Answers CONNACK with a refusal and closes (MQTT 3.1.1 §3.2.2.3, MQTT 5.0 §3.2.2.2): MQTT 5 gets `code` and the
    /// reason as a reason string, MQTT 3.x the nearest return code (`MQTTPacket.ConnAck.returnCode`).
    func refuse(_ code: MQTTReasonCode, _ reason: String) {
        logger.warning("MQTT connection from \(connection.remoteAddress) refused (\(code)): \(reason)")
        var ack = MQTTPacket.ConnAck(reasonCode: code)
        if version == .v5 { ack.properties = [.reasonString(ByteString(reason))] }
        send(.connAck(ack))
        connection.close()
    }

    private static func generatedClientId() -> ByteString {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var rng = SystemRandomNumberGenerator()
        var bytes = Array("gateway-".utf8)
        for _ in 0..<16 { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
        return ByteString(bytes)
    }

    /// Ends a connected session: will, consumers, unacknowledged messages back to their queues in order (the
    /// session's go out again with DUP=1 and their packet ids on reconnect; a shared subscription's go to the
    /// group's other sessions), registry. A persistent session's QoS 2 state and shared subscriptions are already
    /// on disk (`VHost.mqttSessions`), written as they changed; a clean session leaves its shared subscriptions.
    func endSession() {
        if let will = will.connectionEnded() { endWithWill(will) }
        let (unacknowledged, _) = outbound.end()
        let bySource = Dictionary(grouping: unacknowledged, by: \.source)
        if let handle, let queue {
            queue.removeConsumer(handle)
            queue.requeue((bySource[0] ?? []).map(\.entry).sorted { $0.sequence < $1.sequence })
            handle.releaseWindow(Int(pausedWindow))
        }
        for (slot, consumer) in (extras?.shared ?? []).enumerated() {
            guard let consumer else { continue }
            let q = consumer.handle.queue
            if consumer.active { q.removeConsumer(consumer.handle) }
            q.requeue((bySource[UInt16(slot + 1)] ?? []).map(\.entry).sorted { $0.sequence < $1.sequence })
            consumer.handle.releaseWindow(Int(consumer.pausedWindow))
            if cleanSession && consumer.active { leaveShared(consumer.subscription) }
        }
        extras?.shared.removeAll()
        if let v5, let queue, queue.durable, let vhost { endSessionExpiry(v5, queue: queue, vhost: vhost) }
        server.loggedOut(self)
        if let key { server.sessions.release(key, by: self) }
        // The handle holds this connection: dropping it ends the cycle (the queue dropped it above).
        handle = nil
        logger.info("MQTT \(name) disconnected\(disconnectedCleanly ? "" : " without DISCONNECT")")
    }

    func publishWill(_ will: MQTTPacket.Connect.Will) {
        guard mayPublish(to: will.topic) else {
            logger.warning("MQTT \(name): will to '\(will.topic)' dropped: publish not permitted")
            return
        }
        route(
            topic: will.topic, payload: will.payload, qos: will.qos.rawValue, retain: will.retain,
            properties: will.properties)
    }
}
