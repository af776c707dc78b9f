import AMQPModel
import AMQPValues
import Bytes
import MQTTCodec
import Transport

/// SUBSCRIBE and UNSUBSCRIBE (MQTT 3.1.1 §3.8, §3.10): each subscription is a binding from `mqtt.default`
/// to the session queue with the filter as key and `x-mqtt-qos` as argument (design §4), so the core routes
/// one copy per session at the highest matching QoS.
extension MQTTConnection {
    func handleSubscribe(_ s: MQTTPacket.Subscribe) {
        guard phase == .connected, let vhost, let queue else { return }
        var codes: [UInt8] = []
        var granted: [(filter: ByteString, qos: UInt8)] = []
        var held = Set(exchange?.bindings.lazy.filter { $0.destination == .queue(queue) }.map(\.key) ?? [])
        for consumer in extras?.active ?? [] { held.insert(consumer.subscription.raw) }
        for sub in s.subscriptions {
            let shared: MQTTSharedSubscription?
            switch MQTTSharedSubscription.parse(sub.filter) {
            case .ordinary: shared = nil
            case .shared(let s): shared = s
            case .invalid(let why):
                logger.warning("MQTT \(name): subscription refused: \(why)")
                codes.append(MQTTPacket.SubAck.failure)
                continue
            }
            guard Self.levels(shared?.filter ?? sub.filter) <= configuration.maxTopicLevels else {
                logger.warning(
                    "MQTT \(name): subscription to '\(sub.filter)' refused: more than max_topic_levels "
                        + "\(configuration.maxTopicLevels) levels")
                codes.append(MQTTPacket.SubAck.failure)
                continue
            }
            guard held.contains(sub.filter) || held.count < configuration.maxSubscriptionsPerSession else {
                logger.warning(
                    "MQTT \(name): subscription to '\(sub.filter)' refused: the session already holds "
                        + "max_subscriptions_per_session \(configuration.maxSubscriptionsPerSession) filters")
                codes.append(MQTTPacket.SubAck.failure)
                continue
            }
            if let shared {
                let code = subscribeShared(shared, qos: sub.qos.rawValue)
                codes.append(code)
                if code != MQTTPacket.SubAck.failure { held.insert(sub.filter) }
                continue
            }
            guard maySubscribe(to: sub.filter) else {
                logger.warning("MQTT \(name): subscription to '\(sub.filter)' refused: not permitted")
                codes.append(MQTTPacket.SubAck.failure)
                continue
            }
            let qos = sub.qos.rawValue
            do {
                // A new subscription to an existing filter replaces it [MQTT-3.8.4-3].
                unbindAll(filter: sub.filter, vhost: vhost, queue: queue)
                try vhost.bind(
                    .queue(queue), to: Self.mqttDefault, key: sub.filter, arguments: Self.qosArguments[Int(qos)])
                codes.append(qos)
                granted.append((sub.filter, qos))
                held.insert(sub.filter)
            } catch {
                logger.warning("MQTT \(name): subscription to '\(sub.filter)' failed: \(error)")
                codes.append(MQTTPacket.SubAck.failure)
            }
        }
        send(.subAck(.init(packetId: s.packetId, returnCodes: codes)))
        for (filter, qos) in granted {
            for (topic, message) in vhost.retained.matching(filter: filter) {
                sendRetained(topic: topic, message: message, qos: min(qos, message.mqttPublishQoS))
            }
        }
    }

    func handleUnsubscribe(_ u: MQTTPacket.Unsubscribe) {
        guard phase == .connected, let vhost, let queue else { return }
        for filter in u.filters {
            if case .shared(let shared) = MQTTSharedSubscription.parse(filter) {
                unsubscribeShared(shared)
            } else {
                unbindAll(filter: filter, vhost: vhost, queue: queue)
            }
        }
        send(.unsubAck(.init(packetId: u.packetId)))
    }

    /// The number of levels in a topic name or filter (`a/b/c` has 3; `/` alone has 2).
    static func levels(_ topic: ByteString) -> Int {
        topic.bytes.reduce(1) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
    }

    /// The binding arguments for each subscription QoS, built once.
    static let qosArguments: [FieldTable] = (0...2).map { ["x-mqtt-qos": .uint8(UInt8($0))] }

    private func unbindAll(filter: ByteString, vhost: VHost, queue: Queue) {
        try? vhost.unbindAll(.queue(queue), from: Self.mqttDefault, key: filter)
    }

    /// Replays a retained message to this client with RETAIN=1 [MQTT-3.3.1-6]. It does not pass through the
    /// session queue: if the connection drops first, the next subscribe replays it again.
    private func sendRetained(topic: ByteString, message: Message, qos: UInt8) {
        var packetId: UInt16?
        switch outbound.sendRetained(qos: qos) {
        case .publish(let id, _): packetId = id
        case .atMostOnce: break
        case .noPacketId: return
        }
        write { out in
            message.body.withUnsafeBytes { body in
                MQTTEncoder.encodePublish(
                    topic: topic, packetId: packetId, qos: MQTTQoS(rawValue: qos)!, retain: true, dup: false,
                    payload: body, into: &out)
            }
        }
    }
}
