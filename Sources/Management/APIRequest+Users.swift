import AMQPModel
import Auth
import HTTPCodec
import JSON

extension APIRequest {
    /// `/api/vhosts[/v[/permissions|topic-permissions]]`.
    func vhosts(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        switch (p.count, method) {
        case (0, _) where isRead:
            return try list(broker.vhosts.filter { user.maySee(vhost: $0.name) }.map(vhostJSON))
        case (1, _) where isRead:
            return try object(vhostJSON(try readableVHost(p[0])))
        case (1, "PUT"):
            try user.requireAdministrator()
            let created = broker.vhost(named: p[0]) == nil
            broker.addVHost(p[0])
            return APIResponse.putDone(created: created)
        case (1, "DELETE"):
            try user.requireAdministrator()
            guard broker.deleteVHost(p[0]) else { throw .notFound("vhost '\(p[0])'") }
            server.users.removeVhost(p[0])
            return APIResponse.noContent
        case (2, _) where isRead && p[1] == "permissions":
            try user.requireAdministrator()
            _ = try readableVHost(p[0])
            return try list(server.users.allPermissions().filter { $0.vhost == p[0] }.map(permissionJSON))
        case (2, _) where isRead && p[1] == "connections":
            return try vhostConnections(p[0])
        case (2, _) where isRead && p[1] == "topic-permissions":
            try user.requireAdministrator()
            _ = try readableVHost(p[0])
            return try list(topicPermissionList(vhost: p[0], user: nil))
        case (0, _), (1, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    private func vhostJSON(_ v: VHost) -> JSONValue {
        let queues = v.queues
        let ready = queues.reduce(0) { $0 + $1.messageCount }
        let unacked = queues.reduce(0) { $0 + $1.unackedCount }
        return .table([
            "name": .string(v.name), "description": .string(""), "tags": .array([]), "tracing": .bool(false),
            "messages": .int(Int64(ready + unacked)), "messages_ready": .int(Int64(ready)),
            "messages_unacknowledged": .int(Int64(unacked)),
        ])
    }

    /// `/api/users[/u[/permissions|topic-permissions]]` (administrator only).
    func users(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        try user.requireAdministrator()
        let store = server.users
        switch (p.count, method) {
        case (0, _) where isRead:
            return try list(store.users.map(userJSON))
        case (1, _) where isRead:
            guard let u = store.user(named: p[0]) else { throw .notFound("user '\(p[0])'") }
            return APIResponse.json(userJSON(u))
        case (1, "PUT"):
            let existing = store.user(named: p[0])
            store.put(try userFromBody(name: p[0], existing: existing))
            return APIResponse.putDone(created: existing == nil)
        case (1, "DELETE"):
            guard store.deleteUser(p[0]) else { throw .notFound("user '\(p[0])'") }
            return APIResponse.noContent
        case (2, _) where isRead && p[1] == "permissions":
            guard store.user(named: p[0]) != nil else { throw .notFound("user '\(p[0])'") }
            return try list(store.allPermissions().filter { $0.user == p[0] }.map(permissionJSON))
        case (2, _) where isRead && p[1] == "topic-permissions":
            guard store.user(named: p[0]) != nil else { throw .notFound("user '\(p[0])'") }
            return try list(topicPermissionList(vhost: nil, user: p[0]))
        case (0, _), (1, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    private func userJSON(_ u: User) -> JSONValue {
        .table([
            "name": .string(u.name), "password_hash": .string(u.passwordHash),
            "hashing_algorithm": .string(u.hashingAlgorithm.rawValue), "tags": .array(u.tags.map { .string($0) }),
            "limits": .table([:]),
        ])
    }

    /// A user from a PUT body: `password` (hashed here) or `password_hash` with `hashing_algorithm`, and `tags` as
    /// a comma-separated string or an array. Neither password nor hash keeps an existing user's password; a new user
    /// then cannot log in with a password.
    private func userFromBody(name: String, existing: User?) throws(ManagementError) -> User {
        let body = try jsonBody()
        let algorithm: PasswordHashAlgorithm
        if let a = try body.string("hashing_algorithm") {
            guard let parsed = PasswordHashAlgorithm(rawValue: a) else {
                throw .badRequest("unsupported hashing_algorithm '\(a)'")
            }
            algorithm = parsed
        } else {
            algorithm = existing?.hashingAlgorithm ?? .sha256
        }
        var hash = existing?.passwordHash ?? ""
        if let password = try body.string("password") {
            hash = PasswordHash.make(password, algorithm: algorithm)
        } else if let given = try body.string("password_hash") {
            hash = given
        }
        var tags: [String]
        switch body["tags"] {
        case nil, .null?: tags = existing?.tags ?? []
        case .string(let s)?: tags = s.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        case .array(let a)?:
            tags = []
            for item in a {
                guard case .string(let t) = item else { throw .badRequest("'tags' must hold strings") }
                tags.append(t)
            }
        case let other?: throw .badRequest("'tags' must be a string or an array, not \(other.kindDescription)")
        }
        return User(name: name, passwordHash: hash, hashingAlgorithm: algorithm, tags: tags)
    }

    /// `/api/permissions[/v/u]` (administrator only).
    func permissions(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        try user.requireAdministrator()
        let store = server.users
        switch (p.count, method) {
        case (0, _) where isRead:
            return try list(store.allPermissions().map(permissionJSON))
        case (2, _) where isRead:
            guard let perms = store.permissions(user: p[1], vhost: p[0]) else {
                throw .notFound("permissions of user '\(p[1])' on vhost '\(p[0])'")
            }
            return APIResponse.json(permissionJSON((p[1], p[0], perms)))
        case (2, "PUT"):
            guard broker.vhost(named: p[0]) != nil else { throw .notFound("vhost '\(p[0])'") }
            guard store.user(named: p[1]) != nil else { throw .notFound("user '\(p[1])'") }
            let body = try jsonBody()
            guard let configure = try body.string("configure"), let write = try body.string("write"),
                let read = try body.string("read")
            else {
                throw .badRequest("'configure', 'write' and 'read' are all required")
            }
            let created = store.permissions(user: p[1], vhost: p[0]) == nil
            do {
                try store.setPermissions(
                    user: p[1], vhost: p[0], Permissions(configure: configure, write: write, read: read))
            } catch {
                throw .badRequest(error.message)
            }
            return APIResponse.putDone(created: created)
        case (2, "DELETE"):
            guard store.permissions(user: p[1], vhost: p[0]) != nil else {
                throw .notFound("permissions of user '\(p[1])' on vhost '\(p[0])'")
            }
            store.clearPermissions(user: p[1], vhost: p[0])
            return APIResponse.noContent
        case (0, _), (2, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    private func permissionJSON(_ p: (user: String, vhost: String, permissions: Permissions)) -> JSONValue {
        .table([
            "user": .string(p.user), "vhost": .string(p.vhost), "configure": .string(p.permissions.configure),
            "write": .string(p.permissions.write), "read": .string(p.permissions.read),
        ])
    }

    /// `/api/topic-permissions[/v/u]` (administrator only).
    func topicPermissions(_ p: [String]) throws(ManagementError) -> HTTPResponse {
        try user.requireAdministrator()
        let store = server.users
        switch (p.count, method) {
        case (0, _) where isRead:
            return try list(topicPermissionList(vhost: nil, user: nil))
        case (2, _) where isRead:
            let items = topicPermissionList(vhost: p[0], user: p[1])
            guard !items.isEmpty else { throw .notFound("topic permissions of user '\(p[1])' on vhost '\(p[0])'") }
            return try list(items)
        case (2, "PUT"):
            guard broker.vhost(named: p[0]) != nil else { throw .notFound("vhost '\(p[0])'") }
            guard store.user(named: p[1]) != nil else { throw .notFound("user '\(p[1])'") }
            let body = try jsonBody()
            guard let exchange = try body.string("exchange"), let write = try body.string("write"),
                let read = try body.string("read")
            else {
                throw .badRequest("'exchange', 'write' and 'read' are all required")
            }
            do {
                try store.setTopicPermissions(
                    user: p[1], vhost: p[0], TopicPermissions(exchange: exchange, write: write, read: read))
            } catch {
                throw .badRequest(error.message)
            }
            return APIResponse.putDone(created: true)
        case (2, "DELETE"):
            guard !topicPermissionList(vhost: p[0], user: p[1]).isEmpty else {
                throw .notFound("topic permissions of user '\(p[1])' on vhost '\(p[0])'")
            }
            store.clearTopicPermissions(user: p[1], vhost: p[0], exchange: http.queryValue("exchange"))
            return APIResponse.noContent
        case (0, _), (2, _):
            throw .methodNotAllowed(method)
        default:
            throw .notFound(http.target)
        }
    }

    private func topicPermissionList(vhost: String?, user name: String?) -> [JSONValue] {
        let store = server.users
        var out: [JSONValue] = []
        for u in store.users where name == nil || u.name == name {
            for v in broker.vhosts where vhost == nil || v.name == vhost {
                for t in store.topicPermissions(user: u.name, vhost: v.name) {
                    out.append(
                        .table([
                            "user": .string(u.name), "vhost": .string(v.name), "exchange": .string(t.exchange),
                            "write": .string(t.write), "read": .string(t.read),
                        ]))
                }
            }
        }
        return out
    }
}
