import AMQPModel
import AMQPValues
import Auth
import GatewayConfig
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/queues[/v[/q[/get|contents|bindings]]]`.
    func queues(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        switch (p.count, method) {
        case (0, _) where isRead, (1, _) where isRead:
            let queues = try visibleVHosts(p.first).flatMap { v in v.queues.map { (v.name, $0) } }
            server.sampler.retain(.queue, only: Set(queues.map { StatsSampler.id(ObjectIdentifier($0.1)) }))
            let items = queues.map { queueJSON($0.1, vhost: $0.0) }
            return try list(items)
        case (2, _) where isRead:
            let vhost = try readableVHost(p[0])
            return try object(queueJSON(try queue(p[1], in: vhost), vhost: vhost.name))
        case (2, "PUT"):
            return try declareQueue(p[0], p[1])
        case (2, "DELETE"):
            let vhost = try writableVHost(p[0])
            try require(.configure, p[1], vhost: vhost)
            _ = try queue(p[1], in: vhost)
            do {
                _ = try vhost.deleteQueue(
                    name: ByteString(p[1]), ifUnused: http.queryValue("if-unused") == "true",
                    ifEmpty: http.queryValue("if-empty") == "true", connection: 0)
            } catch {
                throw error.management
            }
            return APIResponse.noContent
        case (3, "POST") where p[2] == "get":
            return try getMessages(p[0], p[1])
        case (3, "DELETE") where p[2] == "contents":
            let vhost = try writableVHost(p[0])
            try require(.read, p[1], vhost: vhost)
            _ = try queue(p[1], in: vhost).purge()
            return APIResponse.noContent
        case (3, _) where isRead && p[2] == "bindings":
            let vhost = try readableVHost(p[0])
            let q = try queue(p[1], in: vhost)
            return try list(bindingList(in: vhost).filter { $0.isTo(queue: q) }.map(\.json))
        case (0, _), (1, _), (2, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    func queue(_ name: String, in vhost: VHost) throws(ManagementError) -> Queue {
        guard let q = vhost.queue(named: ByteString(name)) else {
            throw .notFound("queue '\(name)' in vhost '\(vhost.name)'")
        }
        return q
    }

    private func queueJSON(_ q: Queue, vhost: String) -> JSONValue {
        let ready = q.messageCount
        let unacked = q.unackedCount
        return .table([
            "name": .string(q.name.string), "vhost": .string(vhost), "durable": .bool(q.durable),
            "auto_delete": .bool(q.autoDelete), "exclusive": .bool(q.exclusiveOwner != nil),
            "arguments": .table(DefinitionsExporter.arguments(q.arguments)),
            "messages": .int(Int64(ready + unacked)), "messages_ready": .int(Int64(ready)),
            "messages_unacknowledged": .int(Int64(unacked)), "message_bytes": .int(Int64(q.messageBytes)),
            "consumers": .int(Int64(q.consumerCount)), "state": .string("running"), "type": .string("classic"),
            "node": .string(server.configuration.nodeName),
            "message_stats": server.sampler.messageStats(q.stats, for: ObjectIdentifier(q)),
        ])
    }

    /// PUT: declares the queue (`durable`, `auto_delete`, `arguments`); an existing queue must match.
    private func declareQueue(_ vhostName: String, _ name: String) throws(ManagementError) -> HTTPResponse {
        let vhost = try writableVHost(vhostName)
        try require(.configure, name, vhost: vhost)
        guard !name.isEmpty, !name.hasPrefix("amq.") else {
            throw .badRequest("queue name '\(name)' is reserved")
        }
        let body = try jsonBody()
        let durable = try body.bool("durable", default: true)
        let autoDelete = try body.bool("auto_delete", default: false)
        let arguments = FieldTable(definitionArguments: try body.object("arguments"))
        do {
            let (_, created) = try vhost.declareQueue(
                name: ByteString(name), durable: durable, exclusiveOwner: nil, autoDelete: autoDelete,
                arguments: arguments, connection: 0)
            return APIResponse.putDone(created: created)
        } catch {
            throw error.management
        }
    }

    /// POST `get`: takes up to `count` messages with `ackmode` (`ack_requeue_true|false`,
    /// `reject_requeue_true|false`), as RabbitMQ's "Get messages" does. Requeued messages are marked redelivered.
    private func getMessages(_ vhostName: String, _ name: String) throws(ManagementError) -> HTTPResponse {
        let vhost = try writableVHost(vhostName)
        try require(.read, name, vhost: vhost)
        let q = try queue(name, in: vhost)
        let body = try jsonBody()
        let count = try body.int("count") ?? 1
        guard count >= 1, count <= 10_000 else { throw .badRequest("'count' must be 1 to 10000") }
        let ackmode = try body.string("ackmode") ?? "ack_requeue_true"
        let requeue: Bool
        switch ackmode {
        case "ack_requeue_true", "reject_requeue_true": requeue = true
        case "ack_requeue_false", "reject_requeue_false": requeue = false
        default: throw .badRequest("'ackmode' must be ack_requeue_true, ack_requeue_false, reject_requeue_true or reject_requeue_false")
        }
        let encoding = try body.string("encoding") ?? "auto"
        guard encoding == "auto" || encoding == "base64" else { throw .badRequest("'encoding' must be auto or base64") }
        let truncate = try body.int("truncate")
        var taken: [QueueEntry] = []
        var out: [JSONValue] = []
        for _ in 0..<count {
            guard let (entry, remaining) = q.get(noAck: false) else { break }
            taken.append(entry)
            let m = entry.message
            var bytes = m.body
            if let truncate, truncate >= 0, bytes.count > truncate { bytes = Array(bytes.prefix(truncate)) }
            let (payload, used) = MessageJSON.payload(bytes, encoding: encoding)
            out.append(
                .table([
                    "payload_bytes": .int(Int64(m.bodySize)), "redelivered": .bool(entry.redelivered),
                    "exchange": .string(m.exchange.string), "routing_key": .string(m.routingKey.string),
                    "message_count": .int(Int64(remaining)), "properties": MessageJSON.properties(m.properties),
                    "payload": .string(payload), "payload_encoding": .string(used),
                ]))
        }
        if requeue {
            q.requeue(taken)
        } else if ackmode.hasPrefix("reject") {
            q.rejected(taken)
        } else {
            q.acknowledged(taken)
        }
        return APIResponse.json(.array(out))
    }

    /// The user's `kind` permission on the resource `name` in `vhost` (a token's scopes for a token login), or 403.
    func require(_ kind: PermissionKind, _ name: String, vhost: VHost) throws(ManagementError) {
        let authorizer = Authorizer(store: server.users, principal: user.principal, vhost: vhost.name)
        guard authorizer.isAllowed(kind, resource: ByteString(name)) else {
            throw .forbidden("\(kind) access to '\(name)' in vhost '\(vhost.name)' refused for user '\(user.name)'")
        }
    }
}
