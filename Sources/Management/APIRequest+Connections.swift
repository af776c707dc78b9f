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
            let stats = server.connections.statistics()
            server.sampler.retain(.connection, only: Set(stats.traffic.keys))
            let counts = channelCounts()
            return try list(
                visible.sorted { $0.connectedAt < $1.connectedAt }.map { connectionJSON($0, counts, stats) })
        case (1, _) where isRead:
            guard let c = visible.first(where: { $0.name == p[0] }) else { throw .notFound("connection '\(p[0])'") }
            return try object(connectionJSON(c, channelCounts(), server.connections.statistics()))
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

    /// `/api/channels[/name]`: the open AMQP channels of the visible connections.
    func channels(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        guard isRead else { throw .methodNotAllowed(method) }
        let visible = server.connections.channels.filter { user.isMonitoring || $0.connection.user == user.name }
        let stats = server.connections.statistics()
        server.sampler.retain(.channel, only: Set(stats.channels.keys.map { "\($0.connection) (\($0.number))" }))
        let items: [JSONValue] = visible.sorted { ($0.connection.name, $0.number) < ($1.connection.name, $1.number) }
            .map { c, number in
                let name = "\(c.name) (\(number))"
                var t: [String: JSONValue] = [
                    "name": .string(name), "number": .int(Int64(number)), "user": .string(c.user),
                    "vhost": .string(c.vhost), "node": .string(server.configuration.nodeName),
                    "connection_details": .table([
                        "name": .string(c.name), "peer_host": .string(c.peerHost), "peer_port": .int(Int64(c.peerPort)),
                    ]),
                ]
                if let s = stats.channels[.init(connection: c.name, number: number)] {
                    t["message_stats"] = server.sampler.messageStats(s, channel: name)
                }
                return .table(t)
            }
        switch p.count {
        case 0: return try list(items)
        case 1:
            guard let item = items.first(where: { if case .table(let t) = $0 { t["name"] == .string(p[0]) } else { false } })
            else { throw .notFound("channel '\(p[0])'") }
            return try object(item)
        default: throw .notFound(http.target)
        }
    }

    /// `/api/vhosts/{v}/connections`.
    func vhostConnections(_ vhost: String) throws(ManagementError) -> HTTPResponse {
        _ = try readableVHost(vhost)
        let visible = server.connections.connections.filter {
            $0.vhost == vhost && (user.isMonitoring || $0.user == user.name)
        }
        let counts = channelCounts()
        let stats = server.connections.statistics()
        return try list(visible.map { connectionJSON($0, counts, stats) })
    }

    /// Open channels per connection name.
    private func channelCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for (c, _) in server.connections.channels { counts[c.name, default: 0] += 1 }
        return counts
    }

    private func connectionJSON(
        _ c: ClientConnectionInfo, _ channelCounts: [String: Int], _ stats: ClientStatistics
    ) -> JSONValue {
        var client: [String: JSONValue] = [:]
        var t: [String: JSONValue] = [
            "name": .string(c.name), "node": .string(server.configuration.nodeName), "vhost": .string(c.vhost),
            "user": .string(c.user), "protocol": .string(c.protocolName), "peer_host": .string(c.peerHost),
            "peer_port": .int(Int64(c.peerPort)), "host": .string(c.host), "port": .int(Int64(c.port)),
            "ssl": .bool(c.tls), "connected_at": .int(c.connectedAt), "type": .string("network"),
            "state": .string("running"),
        ]
        if let p = c.tlsProtocol, let cipher = c.tlsCipher {
            t["ssl_protocol"] = .string(p)
            t["ssl_cipher"] = .string(cipher)
        }
        if let id = c.clientId {
            t["client_id"] = .string(id)
            client["client_id"] = .string(id)
        } else {
            t["channels"] = .int(Int64(channelCounts[c.name] ?? 0))
        }
        t["client_properties"] = .table(client)
        if let traffic = stats.traffic[c.name] {
            t.merge(server.sampler.traffic(traffic, connection: c.name)) { a, _ in a }
        }
        return .table(t)
    }
}
