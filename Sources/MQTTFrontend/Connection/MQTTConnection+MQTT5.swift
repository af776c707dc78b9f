import AMQPModel
import AMQPValues
import Clocks
import MQTTCodec
import Transport

/// What only MQTT 5 connections do (MQTT 5.0): the CONNACK properties, the session expiry, DISCONNECT in both
/// directions with a reason code, delayed wills and the options of subscriptions.
extension MQTTConnection {
    /// The MQTT 5 state; nil for MQTT 3.x connections.
    var v5: MQTT5State? { extras?.v5 }

    /// What the server tells an MQTT 5 client in CONNACK (MQTT 5.0 §3.2.2.3): only what differs from the defaults
    /// the client assumes (QoS 2, retain, wildcard, subscription identifier and shared subscriptions are available).
    func connAckProperties(
        connect c: MQTTPacket.Connect, sessionExpiry: UInt32, assignedClientId: ByteString?
    ) -> MQTTProperties {
        var p = MQTTProperties()
        if let asked = c.properties.sessionExpiryInterval, asked != sessionExpiry {
            p.list.append(.sessionExpiryInterval(sessionExpiry))
        }
        if let assignedClientId { p.list.append(.assignedClientIdentifier(assignedClientId)) }
        if keepAlive.seconds != c.keepAlive { p.list.append(.serverKeepAlive(keepAlive.seconds)) }
        if configuration.maxPacketSize < MQTTEncoder.maxRemainingLength {
            p.list.append(.maximumPacketSize(UInt32(configuration.maxPacketSize)))
        }
        if configuration.topicAliasMaximum > 0 { p.list.append(.topicAliasMaximum(configuration.topicAliasMaximum)) }
        return p
    }

    /// A persistent session's expiry while connected: MQTT 5 keeps its interval (on disk, so a restart knows it; the
    /// queue expires that long after the client is gone, `Queue.setExpires`); an MQTT 3.1.1 session never expires.
    func keepSessionExpiry(_ queue: Queue, vhost: VHost, clientId: ByteString) {
        guard let v5 else {
            queue.setExpires(nil)
            vhost.mqttSessions.expiryCleared(clientId)
            return
        }
        guard v5.sessionExpiry > 0 else { return }
        queue.setExpires(v5.sessionExpiry == UInt32.max ? nil : Int64(v5.sessionExpiry) * 1000)
        vhost.mqttSessions.expirySet(clientId, .init(interval: v5.sessionExpiry, disconnectedAt: 0))
    }

    /// The connection of a persistent MQTT 5 session ended: with an interval of 0 (the client resumed with 0, or set
    /// it in DISCONNECT) the session ends now; else its queue expires after the interval, counted from now.
    func endSessionExpiry(_ v5: MQTT5State, queue: Queue, vhost: VHost) {
        guard v5.sessionExpiry > 0 else {
            _ = try? vhost.deleteQueue(name: queue.name, ifUnused: false, ifEmpty: false, connection: 0)
            vhost.mqttSessions.ended(clientId)
            return
        }
        guard v5.sessionExpiry != UInt32.max else { return }
        queue.setExpires(Int64(v5.sessionExpiry) * 1000)
        vhost.mqttSessions.expirySet(
            clientId, .init(interval: v5.sessionExpiry, disconnectedAt: MonotonicClock.unixMilliseconds()))
    }

    /// A resumed MQTT 5 session's subscription options, read back from its bindings.
    func restoreSubscriptionOptions(_ queue: Queue) {
        guard let v5, let exchange else { return }
        for b in exchange.bindings where b.destination == .queue(queue) {
            v5.subscriptions.set(b.key, MQTTSubscriptionOptions(arguments: b.arguments))
        }
    }

    /// The client's DISCONNECT (MQTT 5.0 §3.14): reason 0x04 keeps the will; a session expiry may change, but not
    /// from 0 [MQTT-3.14.2-2].
    func handleDisconnect(_ d: MQTTPacket.Disconnect) {
        disconnectedCleanly = true
        if let v5, let interval = d.properties.sessionExpiryInterval {
            guard v5.sessionExpiry != 0 || interval == 0 else {
                return disconnect(
                    .protocolError, "[MQTT-3.14.2-2] DISCONNECT sets a session expiry, but CONNECT had none")
            }
            v5.sessionExpiry = min(interval, configuration.maxSessionExpiryInterval)
        }
        if d.reasonCode != .disconnectWithWillMessage { will.discard() }
        connection.close()
    }

    /// Ends the connection for `reason`: MQTT 5 clients get DISCONNECT with `code` and the reason first (MQTT 5.0
    /// §3.14, [MQTT-4.13.1-1]); MQTT 3.x has no way to say why.
    func disconnect(_ code: MQTTReasonCode, _ reason: String) {
        logger.warning("closing MQTT connection \(name): \(reason)")
        sendDisconnect(code, reason)
        connection.close()
    }

    /// Sends DISCONNECT with `code` to an MQTT 5 client (nothing for 3.x), with `reason` as reason string when the
    /// client did not ask to go without.
    func sendDisconnect(_ code: MQTTReasonCode, _ reason: String) {
        guard let v5, phase == .connected else { return }
        let props: MQTTProperties = v5.requestProblemInformation ? [.reasonString(ByteString(reason))] : []
        send(.disconnect(.init(reasonCode: code, properties: props)))
    }

    /// The will of a connection that ended without DISCONNECT (or with reason 0x04): at once, or after its Will Delay
    /// Interval when the session outlives the connection, unless the client resumes the session first
    /// [MQTT-3.1.3-9].
    func endWithWill(_ will: MQTTPacket.Connect.Will) {
        let delay = min(will.properties.willDelayInterval ?? 0, v5?.sessionExpiry ?? 0)
        guard delay > 0, let key, let v5, let vhost else { return publishWill(will) }
        switch v5.takenOverResuming {
        case true?:
            logger.info("MQTT \(name): delayed will dropped: another connection resumed the session")
            return
        case false?:
            return publishWill(will)
        case nil:
            break
        }
        guard mayPublish(to: will.topic) else {
            logger.warning("MQTT \(name): will to '\(will.topic)' dropped: publish not permitted")
            return
        }
        let message = makeMessage(
            topic: will.topic, payload: will.payload, qos: will.qos.rawValue, retain: will.retain,
            properties: will.properties)
        let milliseconds = Int64(delay) * 1000
        server.delayWill(
            .init(message: message, retain: will.retain, dueAt: MonotonicClock.unixMilliseconds() + milliseconds),
            key: key, vhost: vhost, afterMilliseconds: milliseconds)
    }

    /// The failure reason code for a subscription: the MQTT 5 code, or 0x80 for MQTT 3.1.1 (which has only that).
    func subscriptionFailure(_ code: MQTTReasonCode) -> UInt8 {
        version == .v5 ? code.rawValue : MQTTPacket.SubAck.failure
    }
}
