import HTTPCodec

extension APIRequest {
    /// Dispatches on the path after `/api` and the method. HEAD is answered as GET (the body is left out when
    /// written).
    func route() throws(ManagementError) -> HTTPResponse {
        let p = Array(path)
        guard let first = p.first else { throw .notFound("/api") }
        let rest = Array(p.dropFirst())
        switch first {
        case "overview": return try only(get: rest.isEmpty) { () throws(ManagementError) in try overview() }
        case "whoami": return try only(get: rest.isEmpty) { () throws(ManagementError) in whoami() }
        case "nodes": return try only(get: rest.count <= 1) { () throws(ManagementError) in try nodes(rest.first) }
        case "vhosts": return try vhosts(rest)
        case "users": return try users(rest)
        case "permissions": return try permissions(rest)
        case "topic-permissions": return try topicPermissions(rest)
        case "queues": return try queues(rest)
        case "exchanges": return try exchanges(rest)
        case "bindings": return try bindings(rest)
        case "connections": return try connections(rest)
        case "mqtt": return try mqtt(rest)
        case "policies": return try policies(rest)
        case "consumers": return try consumers(rest)
        case "channels": return try channels(rest)
        case "definitions": return try definitions(rest)
        case "health": return try health(rest)
        case "aliveness-test": return try alivenessTest(rest)
        default: throw .notFound("/api/\(first)")
        }
    }

    /// GET (or HEAD) only, on a path that `matches`.
    func only(
        get matches: Bool, _ body: () throws(ManagementError) -> HTTPResponse
    ) throws(ManagementError) -> HTTPResponse {
        guard matches else { throw .notFound(http.target) }
        guard isRead else { throw .methodNotAllowed(method) }
        return try body()
    }

    /// GET or HEAD.
    var isRead: Bool { method == "GET" || method == "HEAD" }
}
