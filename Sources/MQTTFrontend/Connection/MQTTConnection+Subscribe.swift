import AMQPModel
import AMQPValues
import Bytes
import Clocks
import MQTTCodec
import Transport

/// SUBSCRIBE and UNSUBSCRIBE (MQTT 3.1.1 §3.8, §3.10): each subscription is a binding from `mqtt.default`
/// to the session queue with the filter as key and `x-mqtt-qos` as argument (design §4), so the core routes
/// one copy per session at the highest matching QoS.
extension MQTTConnection {
    func handleSubscribe(_ s: MQTTPacket.Subscribe) {
        guard phase == .connected, let vhost, let queue else { return }
        var codes: [UInt8] = []
        var granted: [(filter: ByteString, qos: UInt8, existed: Bool, options: MQTTPacket.Subscribe.Subscription)] = []
        var held = Set(exchange?.bindings.lazy.filter { $0.destination == .queue(queue) }.map(\.key) ?? [])
        for consumer in extras?.active ?? [] { held.insert(consumer.subscription.raw) }
        let identifier = s.properties.subscriptionIdentifiers.first
        for sub in s.subscriptions {
            let shared: MQTTSharedSubscription?
            switch MQTTSharedSubscription.parse(sub.filter) {
            case .ordinary: shared = nil
            case .shared(let s): shared = s
            case .invalid(let why):
                logger.warning("MQTT \(name): subscription refused: \(why)")
                codes.append(subscriptionFailure(.topicFilterInvalid))
                continue
            }
            guard Self.levels(shared?.filter ?? sub.filter) <= configuration.maxTopicLevels else {
                logger.warning(
                    "MQTT \(name): subscription to '\(sub.filter)' refused: more than max_topic_levels "
                        + "\(configuration.maxTopicLevels) levels")
                codes.append(subscriptionFailure(.topicFilterInvalid))
                continue
            }
            guard held.contains(sub.filter) || held.count < configuration.maxSubscriptionsPerSession else {
                logger.warning(
                    "MQTT \(name): subscription to '\(sub.filter)' refused: the session already holds "
                        + "max_subscriptions_per_session \(configuration.maxSubscriptionsPerSession) filters")
                codes.append(subscriptionFailure(.quotaExceeded))
                continue
            }
            if let shared {
                guard !sub.noLocal else {
                    // [MQTT-3.8.3-4]: "no local" on a shared subscription is a protocol error.
                    return disconnect(.protocolError, "[MQTT-3.8.3-4] no local set on shared subscription '\(sub.filter)'")
                }
                let options = MQTTSubscriptionOptions(
                    qos: sub.qos.rawValue, retainAsPublished: sub.retainAsPublished, identifier: identifier)
                let code = subscribeShared(shared, qos: sub.qos.rawValue, options: version == .v5 ? options : nil)
                codes.append(code == MQTTPacket.SubAck.failure ? subscriptionFailure(.notAuthorized) : code)
                if code != MQTTPacket.SubAck.failure { held.insert(sub.filter) }
                continue
            }
            guard maySubscribe(to: sub.filter) else {
                logger.warning("MQTT \(name): subscription to '\(sub.filter)' refused: not permitted")
                codes.append(subscriptionFailure(.notAuthorized))
                continue
            }
            let qos = sub.qos.rawValue
            let options = MQTTSubscriptionOptions(
                qos: qos, noLocal: sub.noLocal, retainAsPublished: sub.retainAsPublished, identifier: identifier)
            do {
                // A new subscription to an existing filter replaces it [MQTT-3.8.4-3].
                let existed = unbindAll(filter: sub.filter, vhost: vhost, queue: queue) > 0
                try vhost.bind(
                    .queue(queue), to: Self.mqttDefault, key: sub.filter,
                    arguments: options.isPlain ? Self.qosArguments[Int(qos)] : options.arguments)
                v5?.subscriptions.set(sub.filter, options)
                codes.append(qos)
                granted.append((sub.filter, qos, existed, sub))
                held.insert(sub.filter)
            } catch {
                logger.warning("MQTT \(name): subscription to '\(sub.filter)' failed: \(error)")
                codes.append(subscriptionFailure(.unspecifiedError))
            }
        }
        send(.subAck(.init(packetId: s.packetId, returnCodes: codes)))
        for (filter, qos, existed, options) in granted {
            // Retain handling (MQTT 5.0 §3.8.3.1): 0 always, 1 only for a new subscription, 2 never [MQTT-3.3.1-9..11].
            if options.retainHandling == .doNotSend || (options.retainHandling == .sendOnNewSubscription && existed) {
                continue
            }
            let now = MonotonicClock.unixMilliseconds()
            for (topic, message, expiresAt) in vhost.retained.matching(filter: filter) {
                sendRetained(
                    topic: topic, message: message, qos: min(qos, message.mqttPublishQoS), identifier: identifier,
                    expiresAt: expiresAt, now: now)
            }
        }
    }

    func handleUnsubscribe(_ u: MQTTPacket.Unsubscribe) {
        guard phase == .connected, let vhost, let queue else { return }
        var codes: [MQTTReasonCode] = []
        for filter in u.filters {
            if case .shared(let shared) = MQTTSharedSubscription.parse(filter) {
                codes.append(extras?.slot(of: shared) != nil ? .success : .noSubscriptionExisted)
                unsubscribeShared(shared)
            } else {
                let removed = unbindAll(filter: filter, vhost: vhost, queue: queue)
                codes.append(removed > 0 ? .success : .noSubscriptionExisted)
                v5?.subscriptions.remove(filter)
            }
        }
        // MQTT 3.1.1's UNSUBACK has no reason codes; the encoder writes them only in MQTT 5.
        send(.unsubAck(.init(packetId: u.packetId, reasonCodes: codes)))
    }

    /// The number of levels in a topic name or filter (`a/b/c` has 3; `/` alone has 2).
    static func levels(_ topic: ByteString) -> Int {
        topic.bytes.reduce(1) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
    }

    /// The binding arguments for each subscription QoS, built once.
    static let qosArguments: [FieldTable] = (0...2).map { ["x-mqtt-qos": .uint8(UInt8($0))] }

    /// Removes the session's subscription to `filter`; returns how many bindings it had (0: none).
    @discardableResult
    private func unbindAll(filter: ByteString, vhost: VHost, queue: Queue) -> Int {
        (try? vhost.unbindAll(.queue(queue), from: Self.mqttDefault, key: filter)) ?? 0
    }

    /// Replays a retained message to this client with RETAIN=1 [MQTT-3.3.1-6]. It does not pass through the
    /// session queue: if the connection drops first, the next subscribe replays it again. An MQTT 5 client gets
    /// its properties, the expiry interval left (`expiresAt` and `now` in Unix milliseconds) and the subscription's
    /// `identifier`.
    private func sendRetained(
        topic: ByteString, message: Message, qos: UInt8, identifier: Int?, expiresAt: Int64, now: Int64
    ) {
        var properties = MQTTProperties()
        if let v5 {
            if !MQTTMessageProperties.carriesNothing(message.properties) {
                properties.list = MQTTMessageProperties(of: message, expiresAt: expiresAt, now: now).list
            }
            if let identifier { properties.list.append(.subscriptionIdentifier(identifier)) }
            let size = MQTTEncoder.publishPacketSize(
                topicLength: topic.count, payloadLength: message.bodySize, qos: MQTTQoS(rawValue: qos)!,
                properties: properties)
            guard size <= v5.clientMaximumPacketSize else { return }
        }
        var packetId: UInt16?
        switch outbound.sendRetained(qos: qos) {
        case .publish(let id, _): packetId = id
        case .atMostOnce: break
        case .noPacketId: return
        }
        write { out in
            message.body.withUnsafeBytes { body in
                if version == .v5 {
                    MQTTEncoder.encodePublish(
                        topic: topic, packetId: packetId, qos: MQTTQoS(rawValue: qos)!, retain: true, dup: false,
                        properties: properties, payload: body, into: &out)
                } else {
                    MQTTEncoder.encodePublish(
                        topic: topic, packetId: packetId, qos: MQTTQoS(rawValue: qos)!, retain: true, dup: false,
                        payload: body, into: &out)
                }
            }
        }
    }
}
