import AMQPModel
import GatewayConfig
import HTTPCodec

extension APIRequest {
    /// `/api/definitions[/v]`: GET exports (administrator), POST imports, additively, as `load_definitions` does.
    func definitions(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        try user.requireAdministrator()
        guard p.count <= 1 else { throw .notFound(http.target) }
        let vhostName = p.first
        if let vhostName, broker.vhost(named: vhostName) == nil { throw .notFound("vhost '\(vhostName)'") }
        switch method {
        case _ where isRead:
            var d = DefinitionsExporter(broker: broker, users: server.users).export()
            if let vhostName { d = d.only(vhost: vhostName) }
            let bytes = DefinitionsWriter.json(d, productVersion: server.configuration.productVersion)
            return HTTPResponse(status: .ok, contentType: "application/json", body: bytes)
        case "POST":
            var d: Definitions
            do { d = try DefinitionsParser.parse(http.body, source: "the request body") } catch {
                throw .badRequest("\(error)")
            }
            if let vhostName { d = d.moved(to: vhostName) }
            do { try DefinitionsImporter(broker: broker, users: server.users, source: "POST \(http.target)").apply(d) } catch {
                throw .badRequest(error.message)
            }
            return APIResponse.noContent
        default:
            throw .methodNotAllowed(method)
        }
    }
}

extension Definitions {
    /// The objects of `vhost` only, without users, vhosts or permissions (RabbitMQ's per-vhost export).
    func only(vhost: String) -> Definitions {
        var d = Definitions()
        d.exchanges = exchanges.filter { $0.vhost == vhost }
        d.queues = queues.filter { $0.vhost == vhost }
        d.bindings = bindings.filter { $0.vhost == vhost }
        d.policies = policies.filter { $0.vhost == vhost }
        return d
    }

    /// The exchanges, queues and bindings, all placed in `vhost` (a per-vhost import); nothing else.
    func moved(to vhost: String) -> Definitions {
        var d = Definitions()
        d.exchanges = exchanges.map { var e = $0; e.vhost = vhost; return e }
        d.queues = queues.map { var q = $0; q.vhost = vhost; return q }
        d.bindings = bindings.map { var b = $0; b.vhost = vhost; return b }
        d.policies = policies.map { var p = $0; p.vhost = vhost; return p }
        return d
    }
}
