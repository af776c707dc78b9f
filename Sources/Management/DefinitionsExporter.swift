import AMQPModel
import AMQPValues
import Auth
import GatewayConfig
import JSON

/// The broker's durable definitions as a RabbitMQ-format `Definitions` value: vhosts, the user store's users,
/// permissions and topic permissions, durable exchanges (not the built-in ones), durable non-exclusive queues, and
/// the bindings between them. What the data dir's definitions snapshot holds.
public struct DefinitionsExporter: Sendable {
    let broker: Broker
    let users: UserStore

    /// An exporter of `broker` and `users`.
    public init(broker: Broker, users: UserStore) {
        self.broker = broker
        self.users = users
    }

    /// Everything durable, now.
    public func export() -> Definitions {
        var d = Definitions()
        d.users = users.users.map {
            UserDefinition(
                name: $0.name, passwordHash: $0.passwordHash, hashingAlgorithm: $0.hashingAlgorithm.rawValue,
                tags: $0.tags)
        }
        d.permissions = users.allPermissions().map {
            PermissionDefinition(
                user: $0.user, vhost: $0.vhost, configure: $0.permissions.configure, write: $0.permissions.write,
                read: $0.permissions.read)
        }
        for vhost in broker.vhosts {
            d.vhosts.append(VHostDefinition(name: vhost.name))
            for p in vhost.policies {
                d.policies.append(
                    PolicyDefinition(
                        vhost: vhost.name, name: p.name, pattern: p.pattern, applyTo: p.applyTo.rawValue,
                        priority: p.priority, definition: Self.arguments(p.definition)))
            }
            for user in users.users {
                for t in users.topicPermissions(user: user.name, vhost: vhost.name) {
                    d.topicPermissions.append(
                        TopicPermissionDefinition(
                            user: user.name, vhost: vhost.name, exchange: t.exchange, write: t.write, read: t.read))
                }
            }
            for e in vhost.exchanges where e.durable && !VHost.isReservedExchangeName(e.name) {
                d.exchanges.append(
                    ExchangeDefinition(
                        name: e.name.string, vhost: vhost.name, type: e.type.rawValue, durable: true,
                        autoDelete: e.autoDelete, internal: e.isInternal, arguments: Self.arguments(e.arguments)))
            }
            for q in vhost.queues where Destination.queue(q).isDurable {
                d.queues.append(
                    QueueDefinition(
                        name: q.name.string, vhost: vhost.name, durable: true, autoDelete: q.autoDelete,
                        arguments: Self.arguments(q.arguments)))
            }
            for (source, binding) in vhost.bindings where source.durable && binding.destination.isDurable {
                let (name, type): (ByteString, String) =
                    switch binding.destination {
                    case .queue(let q): (q.name, "queue")
                    case .exchange(let e): (e.name, "exchange")
                    }
                d.bindings.append(
                    BindingDefinition(
                        source: source.name.string, vhost: vhost.name, destination: name.string, destinationType: type,
                        routingKey: binding.key.string, arguments: Self.arguments(binding.arguments)))
            }
        }
        return d
    }

    /// A field table as JSON (queue, exchange and binding arguments, message headers).
    public static func arguments(_ table: FieldTable) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (k, v) in table.entries { out[k.string] = value(v) }
        return out
    }

    /// One field value as JSON.
    public static func value(_ v: FieldValue) -> JSONValue {
        switch v {
        case .bool(let b): .bool(b)
        case .float(let f): .double(Double(f))
        case .double(let d): .double(d)
        case .decimal(let scale, let value): .double(Double(value) / pow10(Int(scale)))
        case .longString(let b), .bytes(let b): .string(String(decoding: b, as: UTF8.self))
        case .array(let a): .array(a.map(value))
        case .table(let t): .table(arguments(t))
        case .void: .null
        default: v.intValue.map { .int($0) } ?? .null
        }
    }

    private static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }
}
