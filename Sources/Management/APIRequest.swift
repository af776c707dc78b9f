import AMQPModel
import HTTPCodec
import JSON

/// One authenticated management request: the HTTP request, who sent it, and helpers for bodies and vhosts.
struct APIRequest {
    let http: HTTPRequest
    let user: ManagementUser
    let server: ManagementServer

    var method: String { http.method }
    /// The path after `/api`.
    var path: ArraySlice<String> { http.pathSegments.dropFirst() }
    var broker: Broker { server.broker }

    /// A list answer with RabbitMQ's `name`, `sort`, `columns` and `page` parameters applied.
    func list(_ items: [JSONValue]) throws(ManagementError) -> HTTPResponse {
        APIResponse.json(try ListQuery(http).apply(items))
    }

    /// One object, with `columns` applied.
    func object(_ item: JSONValue) throws(ManagementError) -> HTTPResponse {
        APIResponse.json(try ListQuery(http).pick(item))
    }

    /// The body as a JSON object (an empty body is an empty object), or 400.
    func jsonBody() throws(ManagementError) -> [String: JSONValue] {
        if http.body.isEmpty { return [:] }
        let value: JSONValue
        do { value = try JSONReader.parse(http.body) } catch { throw .badRequest("body is not valid JSON: \(error)") }
        guard case .table(let object) = value else { throw .badRequest("body must be a JSON object") }
        return object
    }

    /// The vhost `name`, which the user may read, or 404 / 403.
    func readableVHost(_ name: String) throws(ManagementError) -> VHost {
        guard let vhost = broker.vhost(named: name) else { throw .notFound("vhost '\(name)'") }
        try user.requireRead(vhost: name)
        return vhost
    }

    /// The vhost `name`, which the user may change, or 404 / 403.
    func writableVHost(_ name: String) throws(ManagementError) -> VHost {
        guard let vhost = broker.vhost(named: name) else { throw .notFound("vhost '\(name)'") }
        try user.requireWrite(vhost: name)
        return vhost
    }

    /// The vhosts the user may read: all of them, or the one named by `segment` when given.
    func visibleVHosts(_ segment: String?) throws(ManagementError) -> [VHost] {
        if let segment { return [try readableVHost(segment)] }
        return broker.vhosts.filter { user.maySee(vhost: $0.name) }
    }
}

extension [String: JSONValue] {
    /// The string member `key`, or nil; a member of another kind is a 400.
    func string(_ key: String) throws(ManagementError) -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw .badRequest("'\(key)' must be a string, not \(other.kindDescription)")
        }
    }

    /// The boolean member `key` (`"true"`/`"false"` strings too, as rabbitmqadmin sends them), or `default`.
    func bool(_ key: String, default value: Bool) throws(ManagementError) -> Bool {
        switch self[key] {
        case nil, .null?: return value
        case .bool(let b)?: return b
        case .string("true")?: return true
        case .string("false")?: return false
        case let other?: throw .badRequest("'\(key)' must be a boolean, not \(other.kindDescription)")
        }
    }

    /// The integer member `key` (numeric strings too), or nil.
    func int(_ key: String) throws(ManagementError) -> Int? {
        switch self[key] {
        case nil, .null?: return nil
        case .int(let i)?: return Int(i)
        case .string(let s)?:
            guard let i = Int(s) else { throw .badRequest("'\(key)' must be an integer") }
            return i
        case let other?: throw .badRequest("'\(key)' must be an integer, not \(other.kindDescription)")
        }
    }

    /// The object member `key`, or an empty object.
    func object(_ key: String) throws(ManagementError) -> [String: JSONValue] {
        switch self[key] {
        case nil, .null?: return [:]
        case .table(let t)?: return t
        case let other?: throw .badRequest("'\(key)' must be an object, not \(other.kindDescription)")
        }
    }
}
