import AMQPModel
import AMQPValues
import Auth
import GatewayConfig
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/bindings[/v[/e/{source}/{q|e}/{destination}[/{properties_key}]]]`.
    func bindings(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        switch p.count {
        case 0, 1:
            guard isRead else { throw .methodNotAllowed(method) }
            let items = try visibleVHosts(p.first).flatMap { bindingList(in: $0) }
            return try list(items.map(\.json))
        case 5, 6:
            guard p[1] == "e", p[3] == "q" || p[3] == "e" else { throw .notFound(http.target) }
            return try bindingsBetween(p)
        default:
            throw .notFound(http.target)
        }
    }

    private func bindingsBetween(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        let vhost = isRead ? try readableVHost(p[0]) : try writableVHost(p[0])
        let source = try exchange(p[2], in: vhost)
        let destination: Destination =
            p[3] == "q" ? .queue(try queue(p[4], in: vhost)) : .exchange(try exchange(p[4], in: vhost))
        let sourceName = source.name.string
        let matching = bindingList(in: vhost).filter {
            $0.source == sourceName && $0.destination == destination
        }
        if p.count == 5 {
            switch method {
            case _ where isRead:
                return try list(matching.map(\.json))
            case "POST":
                guard !source.name.isEmpty else { throw .forbidden("the default exchange cannot be bound") }
                try require(.write, p[4], vhost: vhost)
                try require(.read, p[2], vhost: vhost)
                let body = try jsonBody()
                let key = try body.string("routing_key") ?? ""
                let arguments = FieldTable(definitionArguments: try body.object("arguments"))
                do { try vhost.bind(destination, to: source.name, key: ByteString(key), arguments: arguments) } catch {
                    throw error.management
                }
                let record = BindingRecord(
                    vhost: vhost.name, source: sourceName, destination: destination, key: key, arguments: arguments)
                var response = APIResponse.putDone(created: true)
                response.headers.append(("Location", record.propertiesKey))
                return response
            default:
                throw .methodNotAllowed(method)
            }
        }
        guard let binding = matching.first(where: { $0.propertiesKey == HTTPTarget.encodeSegment(p[5]) || $0.propertiesKey == p[5] })
        else {
            throw .notFound("binding '\(p[5])'")
        }
        switch method {
        case _ where isRead:
            return APIResponse.json(binding.json)
        case "DELETE":
            guard !source.name.isEmpty else { throw .forbidden("the default exchange's bindings cannot be removed") }
            try require(.write, p[4], vhost: vhost)
            try require(.read, p[2], vhost: vhost)
            do {
                try vhost.unbind(
                    destination, from: source.name, key: ByteString(binding.key), arguments: binding.arguments)
            } catch {
                throw error.management
            }
            return APIResponse.noContent
        default:
            throw .methodNotAllowed(method)
        }
    }
}
