import AMQPModel
import AMQPValues
import Auth
import Bytes
import GatewayConfig
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/exchanges[/v[/e[/publish|bindings/source|bindings/destination]]]`. The default exchange is `amq.default`
    /// in URLs, as in RabbitMQ.
    func exchanges(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        switch (p.count, method) {
        case (0, _) where isRead, (1, _) where isRead:
            let vhosts = try visibleVHosts(p.first)
            _ = server.connections.statistics()
            let exchanges = vhosts.flatMap { v in v.exchanges.map { (v.name, $0) } }
            server.sampler.retain(.exchange, only: Set(exchanges.map { StatsSampler.id(ObjectIdentifier($0.1)) }))
            return try list(exchanges.map { exchangeJSON($0.1, vhost: $0.0) })
        case (2, _) where isRead:
            let vhost = try readableVHost(p[0])
            let e = try exchange(p[1], in: vhost)
            _ = server.connections.statistics()
            return try object(exchangeJSON(e, vhost: vhost.name))
        case (2, "PUT"):
            return try declareExchange(p[0], p[1])
        case (2, "DELETE"):
            let vhost = try writableVHost(p[0])
            try require(.configure, p[1], vhost: vhost)
            guard !VHost.isReservedExchangeName(ByteString(p[1])) else {
                throw .forbidden("exchange '\(p[1])' is built in and cannot be deleted")
            }
            do {
                try vhost.deleteExchange(name: ByteString(p[1]), ifUnused: http.queryValue("if-unused") == "true")
            } catch {
                throw error.management
            }
            return APIResponse.noContent
        case (3, "POST") where p[2] == "publish":
            return try publish(p[0], p[1])
        case (4, _) where isRead && p[2] == "bindings" && (p[3] == "source" || p[3] == "destination"):
            let vhost = try readableVHost(p[0])
            let e = try exchange(p[1], in: vhost)
            let items = bindingList(in: vhost).filter {
                p[3] == "source" ? $0.source == e.name.string && !($0.source.isEmpty) : $0.isTo(exchange: e)
            }
            return try list(items.map(\.json))
        case (0, _), (1, _), (2, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    /// The exchange a URL names (`amq.default` is the default exchange).
    func exchange(_ name: String, in vhost: VHost) throws(ManagementError) -> Exchange {
        guard let e = vhost.exchange(named: ByteString(name == "amq.default" ? "" : name)) else {
            throw .notFound("exchange '\(name)' in vhost '\(vhost.name)'")
        }
        return e
    }

    private func exchangeJSON(_ e: Exchange, vhost: String) -> JSONValue {
        .table([
            "name": .string(e.name.string), "vhost": .string(vhost), "type": .string(e.type.rawValue),
            "durable": .bool(e.durable), "auto_delete": .bool(e.autoDelete), "internal": .bool(e.isInternal),
            "arguments": .table(DefinitionsExporter.arguments(e.arguments)),
            "message_stats": server.sampler.messageStats(e.stats, for: ObjectIdentifier(e)),
        ])
    }

    private func declareExchange(_ vhostName: String, _ name: String) throws(ManagementError) -> HTTPResponse {
        let vhost = try writableVHost(vhostName)
        try require(.configure, name, vhost: vhost)
        guard !VHost.isReservedExchangeName(ByteString(name)) else {
            throw .forbidden("exchange name '\(name)' is reserved")
        }
        let body = try jsonBody()
        guard let type = try body.string("type") else { throw .badRequest("'type' is required") }
        let existed = vhost.exchange(named: ByteString(name)) != nil
        let durable = try body.bool("durable", default: true)
        let autoDelete = try body.bool("auto_delete", default: false)
        let isInternal = try body.bool("internal", default: false)
        let arguments = FieldTable(definitionArguments: try body.object("arguments"))
        do {
            _ = try vhost.declareExchange(
                name: ByteString(name), type: type, durable: durable, autoDelete: autoDelete, isInternal: isInternal,
                arguments: arguments)
        } catch {
            throw error.management
        }
        return APIResponse.putDone(created: !existed)
    }

    /// POST `publish`: `routing_key`, `payload` with `payload_encoding` (`string` or `base64`) and `properties`;
    /// answers `{"routed": true|false}` as RabbitMQ does.
    private func publish(_ vhostName: String, _ name: String) throws(ManagementError) -> HTTPResponse {
        let vhost = try writableVHost(vhostName)
        let e = try exchange(name, in: vhost)
        try require(.write, name == "amq.default" ? "" : name, vhost: vhost)
        let body = try jsonBody()
        guard let key = try body.string("routing_key") else { throw .badRequest("'routing_key' is required") }
        guard let payload = try body.string("payload") else { throw .badRequest("'payload' is required") }
        let bytes: [UInt8]
        switch try body.string("payload_encoding") ?? "string" {
        case "string": bytes = Array(payload.utf8)
        case "base64":
            guard let decoded = Base64.decode(payload) else { throw .badRequest("'payload' is not valid base64") }
            bytes = decoded
        default: throw .badRequest("'payload_encoding' must be string or base64")
        }
        let properties = try MessageJSON.properties(from: try body.object("properties"))
        let message = Message(
            exchange: e.name, routingKey: ByteString(key), properties: properties, body: bytes,
            alarm: broker.resourceAlarm)
        var targets = RouteTargets<Destination>()
        let result =
            e.name.isEmpty
            ? (vhost.queue(named: ByteString(key)).map { vhost.publish(message, directlyTo: $0) } ?? VHost.PublishResult())
            : vhost.publish(message, through: e, targets: &targets)
        return APIResponse.json(.table(["routed": .bool(result.enqueued > 0)]))
    }
}
