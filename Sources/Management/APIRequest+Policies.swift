import AMQPModel
import AMQPValues
import GatewayConfig
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/policies[/v[/name]]`: RabbitMQ's policies (`pattern`, `apply-to`, `priority`, `definition`), applied to
    /// live queues at once and kept in the definitions. Reading follows the vhost rules; changing needs the
    /// `policymaker` tag (or `administrator`) and permissions on the vhost.
    func policies(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        switch (p.count, method) {
        case (0, _) where isRead, (1, _) where isRead:
            return try list(try visibleVHosts(p.first).flatMap { v in v.policies.map { policyJSON($0, vhost: v.name) } })
        case (2, _) where isRead:
            let vhost = try readableVHost(p[0])
            guard let policy = vhost.policies.first(where: { $0.name == p[1] }) else {
                throw .notFound("policy '\(p[1])' in vhost '\(p[0])'")
            }
            return try object(policyJSON(policy, vhost: vhost.name))
        case (2, "PUT"):
            let vhost = try policyVHost(p[0])
            let body = try jsonBody()
            guard let pattern = try body.string("pattern") else { throw .badRequest("'pattern' is required") }
            let definition = try body.object("definition")
            guard !definition.isEmpty else { throw .badRequest("'definition' must be a non-empty object") }
            let applyToName = try body.string("apply-to") ?? "all"
            guard let applyTo = Policy.ApplyTo(rawValue: applyToName) else {
                throw .badRequest("'apply-to' must be queues, exchanges or all")
            }
            let priority = try body.int("priority") ?? 0
            let created = !vhost.policies.contains { $0.name == p[1] }
            do {
                try vhost.setPolicy(
                    Policy(
                        name: p[1], pattern: pattern, applyTo: applyTo, priority: priority,
                        definition: FieldTable(definitionArguments: definition)))
            } catch {
                throw .badRequest(error.message)
            }
            return APIResponse.putDone(created: created)
        case (2, "DELETE"):
            let vhost = try policyVHost(p[0])
            guard vhost.deletePolicy(named: p[1]) else { throw .notFound("policy '\(p[1])' in vhost '\(p[0])'") }
            return APIResponse.noContent
        case (0, _), (1, _), (2, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    /// The vhost `name`, whose policies the user may change (policymaker with permissions there, or administrator).
    private func policyVHost(_ name: String) throws(ManagementError) -> VHost {
        guard user.isPolicymaker else { throw .forbidden("user '\(user.name)' is not a policymaker") }
        return try writableVHost(name)
    }

    private func policyJSON(_ p: Policy, vhost: String) -> JSONValue {
        .table([
            "vhost": .string(vhost), "name": .string(p.name), "pattern": .string(p.pattern),
            "apply-to": .string(p.applyTo.rawValue), "priority": .int(Int64(p.priority)),
            "definition": .table(DefinitionsExporter.arguments(p.definition)),
        ])
    }
}
