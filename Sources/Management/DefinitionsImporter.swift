import AMQPModel
import AMQPValues
import Auth
import GatewayConfig

/// Applies a RabbitMQ-format definitions file to the broker and its user store (`[main] load_definitions`),
/// additively: existing vhosts, exchanges, queues and bindings are kept; users and permissions named in the file are
/// updated.
public struct DefinitionsImporter: Sendable {
    let broker: Broker
    let users: UserStore
    let source: String

    /// An importer into `broker` and `users`; `source` names the file (or request) in error messages.
    public init(broker: Broker, users: UserStore, source: String) {
        self.broker = broker
        self.users = users
        self.source = source
    }

    /// Applies `d`; stops at the first object that cannot be created.
    public func apply(_ d: Definitions) throws(DefinitionsImportError) {
        for v in d.vhosts { broker.addVHost(v.name) }
        for u in d.users { try importUser(u) }
        for p in d.permissions {
            try requireVHost(p.vhost, for: "permissions of user '\(p.user)'")
            do {
                try users.setPermissions(
                    user: p.user, vhost: p.vhost, Permissions(configure: p.configure, write: p.write, read: p.read))
            } catch {
                throw DefinitionsImportError("\(source): permissions of user '\(p.user)' on vhost '\(p.vhost)': \(error)")
            }
        }
        for p in d.topicPermissions {
            try requireVHost(p.vhost, for: "topic permissions of user '\(p.user)'")
            do {
                try users.setTopicPermissions(
                    user: p.user, vhost: p.vhost, TopicPermissions(exchange: p.exchange, write: p.write, read: p.read))
            } catch {
                throw DefinitionsImportError("\(source): topic permissions of user '\(p.user)' on vhost '\(p.vhost)': \(error)")
            }
        }
        for p in d.policies {
            let vhost = try requireVHost(p.vhost, for: "policy '\(p.name)'")
            do {
                try vhost.setPolicy(
                    Policy(
                        name: p.name, pattern: p.pattern, applyTo: Policy.ApplyTo(rawValue: p.applyTo) ?? .all,
                        priority: p.priority, definition: FieldTable(definitionArguments: p.definition)))
            } catch {
                throw DefinitionsImportError("\(source): policy '\(p.name)' in vhost '\(p.vhost)': \(error.message)")
            }
        }
        for e in d.exchanges {
            let vhost = try requireVHost(e.vhost, for: "exchange '\(e.name)'")
            do {
                _ = try vhost.declareExchange(
                    name: ByteString(e.name), type: e.type, durable: e.durable, autoDelete: e.autoDelete,
                    isInternal: e.internal, arguments: FieldTable(definitionArguments: e.arguments))
            } catch {
                throw DefinitionsImportError("\(source): exchange '\(e.name)' in vhost '\(e.vhost)': \(error)")
            }
        }
        for q in d.queues {
            let vhost = try requireVHost(q.vhost, for: "queue '\(q.name)'")
            do {
                _ = try vhost.declareQueue(
                    name: ByteString(q.name), durable: q.durable, exclusiveOwner: nil, autoDelete: q.autoDelete,
                    arguments: FieldTable(definitionArguments: q.arguments), connection: 0)
            } catch {
                throw DefinitionsImportError("\(source): queue '\(q.name)' in vhost '\(q.vhost)': \(error)")
            }
        }
        for b in d.bindings {
            let vhost = try requireVHost(b.vhost, for: "binding from '\(b.source)'")
            let destination: Destination
            if b.destinationType == "queue" {
                guard let q = vhost.queue(named: ByteString(b.destination)) else {
                    throw DefinitionsImportError("\(source): binding to unknown queue '\(b.destination)' in vhost '\(b.vhost)'")
                }
                destination = .queue(q)
            } else {
                guard let e = vhost.exchange(named: ByteString(b.destination)) else {
                    throw DefinitionsImportError(
                        "\(source): binding to unknown exchange '\(b.destination)' in vhost '\(b.vhost)'")
                }
                destination = .exchange(e)
            }
            do {
                try vhost.bind(
                    destination, to: ByteString(b.source), key: ByteString(b.routingKey),
                    arguments: FieldTable(definitionArguments: b.arguments))
            } catch {
                throw DefinitionsImportError("\(source): binding from '\(b.source)' to '\(b.destination)': \(error)")
            }
        }
    }

    private func importUser(_ u: UserDefinition) throws(DefinitionsImportError) {
        let algorithm: PasswordHashAlgorithm
        if let name = u.hashingAlgorithm {
            guard let a = PasswordHashAlgorithm(rawValue: name) else {
                throw DefinitionsImportError("\(source): user '\(u.name)': unsupported hashing_algorithm '\(name)'")
            }
            algorithm = a
        } else {
            algorithm = .sha256
        }
        let hash: String
        if let h = u.passwordHash {
            hash = h
        } else if let p = u.password {
            hash = PasswordHash.make(p, algorithm: algorithm)
        } else {
            hash = ""
        }
        users.put(User(name: u.name, passwordHash: hash, hashingAlgorithm: algorithm, tags: u.tags))
    }

    @discardableResult
    private func requireVHost(_ name: String, for what: String) throws(DefinitionsImportError) -> VHost {
        guard let v = broker.vhost(named: name) else {
            throw DefinitionsImportError("\(source): \(what) refers to vhost '\(name)', which is not defined")
        }
        return v
    }
}

/// Why definitions could not be applied: the source, the object and the reason, in one sentence.
public struct DefinitionsImportError: Error, Sendable, CustomStringConvertible {
    /// The sentence.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
