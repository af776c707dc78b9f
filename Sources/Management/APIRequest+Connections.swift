import FrontendSupport
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/connections[/name]`: AMQP and MQTT clients alike. Monitoring users see all, others their own; DELETE
    /// closes one (`X-Reason` goes to the client, at most 255 bytes).
    func connections(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        let visible = server.connections.connections.filter { user.isMonitoring || $0.user == user.name }
        switch (p.count, method) {
        case (0, _) where isRead:
            return try list(visible.sorted { $0.connectedAt < $1.connectedAt }.map(connectionJSON))
        case (1, _) where isRead:
            guard let c = visible.first(where: { $0.name == p[0] }) else { throw .notFound("connection '\(p[0])'") }
            return try object(connectionJSON(c))
        case (1, "DELETE"):
            guard let c = visible.first(where: { $0.name == p[0] }) else { throw .notFound("connection '\(p[0])'") }
            guard user.isAdministrator || c.user == user.name else {
                throw .forbidden("user '\(user.name)' may not close connections of user '\(c.user)'")
            }
            var reason = http.header("X-Reason") ?? "Closed via management plugin"
            if reason.utf8.count > 255 { reason = String(decoding: reason.utf8.prefix(255), as: UTF8.self) }
            guard server.connections.close(name: c.name, reason: reason) else {
                throw .notFound("connection '\(p[0])'")
            }
            return APIResponse.noContent
        case (0, _), (1, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    /// `/api/vhosts/{v}/connections`.
    func vhostConnections(_ vhost: String) throws(ManagementError) -> HTTPResponse {
        _ = try readableVHost(vhost)
        let visible = server.connections.connections.filter {
            $0.vhost == vhost && (user.isMonitoring || $0.user == user.name)
        }
        return try list(visible.map(connectionJSON))
    }

    private func connectionJSON(_ c: ClientConnectionInfo) -> JSONValue {
        var client: [String: JSONValue] = [:]
        var t: [String: JSONValue] = [
            "name": .string(c.name), "node": .string(server.configuration.nodeName), "vhost": .string(c.vhost),
            "user": .string(c.user), "protocol": .string(c.protocolName), "peer_host": .string(c.peerHost),
            "peer_port": .int(Int64(c.peerPort)), "host": .string(c.host), "port": .int(Int64(c.port)),
            "ssl": .bool(c.tls), "connected_at": .int(c.connectedAt), "type": .string("network"),
            "state": .string("running"),
        ]
        if let id = c.clientId {
            t["client_id"] = .string(id)
            client["client_id"] = .string(id)
        }
        t["client_properties"] = .table(client)
        return .table(t)
    }
}
