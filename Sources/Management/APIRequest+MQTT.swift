import AMQPModel
import AMQPValues
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/mqtt/sessions[/v[/client_id]]` and `/api/mqtt/retained/v[/topic]`: beyond RabbitMQ's API, the MQTT
    /// sessions (queue `mqtt.<client_id>`, subscriptions, in-flight count, connected or not) and retained messages.
    func mqtt(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        switch p.first {
        case "sessions": return try sessions(Array(p.dropFirst()))
        case "retained": return try retained(Array(p.dropFirst()))
        default: throw .notFound(http.target)
        }
    }

    private static let sessionPrefix = Array("mqtt.".utf8)

    private func sessions(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        switch (p.count, method) {
        case (0, _) where isRead, (1, _) where isRead:
            let connected = connectedClients()
            return try list(try visibleVHosts(p.first).flatMap { v in sessionList(v, connected) })
        case (2, _) where isRead:
            let vhost = try readableVHost(p[0])
            guard let session = sessionList(vhost, connectedClients()).first(where: { Self.clientId(of: $0) == p[1] })
            else {
                throw .notFound("MQTT session '\(p[1])' in vhost '\(p[0])'")
            }
            return try object(session)
        case (2, "DELETE"):
            _ = try writableVHost(p[0])
            guard server.connections.endMQTTSession(vhost: p[0], clientId: p[1]) else {
                throw .notFound("MQTT session '\(p[1])' in vhost '\(p[0])'")
            }
            return APIResponse.noContent
        case (0, _), (1, _), (2, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    /// (vhost, client id) of the MQTT clients connected now.
    private func connectedClients() -> Set<[String]> {
        Set(server.connections.connections.compactMap { c in c.clientId.map { [c.vhost, $0] } })
    }

    private static func clientId(of session: JSONValue) -> String? {
        if case .table(let t) = session, case .string(let id)? = t["client_id"] { return id }
        return nil
    }

    private static let sharedPrefix = Array("mqtt.$share/".utf8)

    /// The sessions of `vhost`: its queues named `mqtt.<client_id>`, with the subscriptions bound from
    /// `mqtt.default`, and the shared subscriptions each holds (a group queue `mqtt.$share/…` is consumed by its
    /// connected members under their session queue's name; persistent members that are away keep theirs on disk).
    private func sessionList(_ vhost: VHost, _ connected: Set<[String]>) -> [JSONValue] {
        var subscriptions: [ObjectIdentifier: [JSONValue]] = [:]
        var groupQoS: [ByteString: Int64] = [:]
        for (source, binding) in vhost.bindings where source.name == "mqtt.default" {
            guard case .queue(let q) = binding.destination else { continue }
            let qos = binding.arguments["x-mqtt-qos"]?.intValue ?? 0
            if q.name.bytes.starts(with: Self.sharedPrefix) { groupQoS[q.name] = qos }
            subscriptions[ObjectIdentifier(q), default: []].append(
                .table(["filter": .string(binding.key.string), "qos": .int(qos)]))
        }
        var shared: [ByteString: [String: Int64]] = [:]
        for q in vhost.queues where q.name.bytes.starts(with: Self.sharedPrefix) {
            let raw = String(decoding: q.name.bytes.dropFirst(Self.sessionPrefix.count), as: UTF8.self)
            for member in q.consumers { shared[member.tag, default: [:]][raw] = groupQoS[q.name] ?? 0 }
        }
        let sessions = vhost.queues.filter {
            $0.name.bytes.starts(with: Self.sessionPrefix) && !$0.name.bytes.starts(with: Self.sharedPrefix)
        }
        return sessions.map { q in
            let idBytes = Array(q.name.bytes.dropFirst(Self.sessionPrefix.count))
            let id = String(decoding: idBytes, as: UTF8.self)
            var held = shared[q.name] ?? [:]
            for (raw, qos) in vhost.mqttSessions.entry(for: ByteString(idBytes)).shared {
                held[raw.string] = Int64(qos)
            }
            return .table([
                "client_id": .string(id), "vhost": .string(vhost.name), "queue": .string(q.name.string),
                "persistent": .bool(q.durable), "connected": .bool(connected.contains([vhost.name, id])),
                "messages": .int(Int64(q.messageCount)), "in_flight": .int(Int64(q.unackedCount)),
                "subscriptions": .array(subscriptions[ObjectIdentifier(q)] ?? []),
                "shared_subscriptions": .array(
                    held.sorted { $0.key < $1.key }.map { .table(["filter": .string($0.key), "qos": .int($0.value)]) }),
            ])
        }
    }

    private func retained(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        guard !p.isEmpty else { throw .notFound(http.target) }
        // A topic may contain `/`: the segments after the vhost are the topic's levels.
        let topic = p.count > 1 ? p.dropFirst().joined(separator: "/") : nil
        switch (topic, method) {
        case (nil, _) where isRead:
            let vhost = try readableVHost(p[0])
            return try list(vhost.retained.all.map { retainedJSON($0.topic, $0.message) })
        case (let topic?, _) where isRead:
            let vhost = try readableVHost(p[0])
            guard let m = vhost.retained.message(topic: ByteString(topic)) else {
                throw .notFound("retained message of '\(topic)' in vhost '\(p[0])'")
            }
            return try object(retainedJSON(ByteString(topic), m))
        case (let topic?, "DELETE"):
            let vhost = try writableVHost(p[0])
            guard vhost.retained.message(topic: ByteString(topic)) != nil else {
                throw .notFound("retained message of '\(topic)' in vhost '\(p[0])'")
            }
            let empty = Message(
                exchange: "mqtt.default", routingKey: ByteString(topic), properties: BasicProperties(), body: [],
                alarm: broker.resourceAlarm)
            try server.waitDurable(vhost.retained.retain(empty, topic: ByteString(topic)))
            return APIResponse.noContent
        default:
            throw .methodNotAllowed(method)
        }
    }

    private func retainedJSON(_ topic: ByteString, _ m: Message) -> JSONValue {
        let (payload, encoding) = MessageJSON.payload(m.body, encoding: "auto")
        return .table([
            "topic": .string(topic.string), "payload": .string(payload), "payload_encoding": .string(encoding),
            "payload_bytes": .int(Int64(m.bodySize)), "qos": .int(Int64(m.mqttPublishQoS)),
        ])
    }
}
