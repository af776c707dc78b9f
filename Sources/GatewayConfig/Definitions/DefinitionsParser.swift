import JSON

/// Reads RabbitMQ-format definitions JSON (`rabbitmqctl export_definitions`, `GET /api/definitions`, LavinMQ).
///
/// The top level must be an object. The arrays `users`, `vhosts`, `permissions`, `topic_permissions`, `exchanges`,
/// `queues` and `bindings` are read when present (absent means empty); every other top-level key
/// (`rabbit_version`, `parameters`, `policies`, `global_parameters`, …) and unknown fields inside objects are
/// ignored, so exports from newer RabbitMQ versions still load. Errors name the source, the JSON path and the
/// problem, e.g. `defs.json: users[2]: missing "name"` or `defs.json: invalid JSON at line 4, column 7: …`.
///
/// Required fields: users `name`; vhosts `name`; permissions `user`, `vhost`, `configure`, `write`, `read`;
/// topic permissions `user`, `vhost`, `exchange`, `write`, `read`; exchanges `name`, `vhost`, `type`;
/// queues `name`, `vhost`; bindings `source`, `vhost`, `destination`, `destination_type` ("queue" or "exchange").
/// Optional: `durable` (true), `auto_delete` (false), `internal` (false), `arguments` ({}), `routing_key` ("").
public enum DefinitionsParser {
    /// Parses `bytes`; `source` (usually the file name) prefixes error messages.
    public static func parse(_ bytes: [UInt8], source: String) throws(ConfigError) -> Definitions {
        let root: JSONValue
        do {
            root = try JSONReader.parse(bytes)
        } catch {
            throw ConfigError("\(source): invalid JSON at line \(error.line), column \(error.column): \(error.reason)")
        }
        guard case .table(let top) = root else {
            throw ConfigError("\(source): expected a JSON object at the top level, found \(root.kindDescription)")
        }
        let document = DefinitionObject(source: source, path: "", fields: top)
        return Definitions(
            users: try objects("users", in: document).map { (user) throws(ConfigError) in
                UserDefinition(
                    name: try user.requiredString("name"),
                    passwordHash: try user.optionalString("password_hash"),
                    password: try user.optionalString("password"),
                    hashingAlgorithm: try user.optionalString("hashing_algorithm"),
                    tags: try user.stringList("tags"))
            },
            vhosts: try objects("vhosts", in: document).map { (vhost) throws(ConfigError) in
                VHostDefinition(name: try vhost.requiredString("name"))
            },
            permissions: try objects("permissions", in: document).map { (permission) throws(ConfigError) in
                PermissionDefinition(
                    user: try permission.requiredString("user"),
                    vhost: try permission.requiredString("vhost"),
                    configure: try permission.requiredString("configure"),
                    write: try permission.requiredString("write"),
                    read: try permission.requiredString("read"))
            },
            topicPermissions: try objects("topic_permissions", in: document).map {
                (permission) throws(ConfigError) in
                TopicPermissionDefinition(
                    user: try permission.requiredString("user"),
                    vhost: try permission.requiredString("vhost"),
                    exchange: try permission.requiredString("exchange"),
                    write: try permission.requiredString("write"),
                    read: try permission.requiredString("read"))
            },
            exchanges: try objects("exchanges", in: document).map { (exchange) throws(ConfigError) in
                ExchangeDefinition(
                    name: try exchange.requiredString("name"),
                    vhost: try exchange.requiredString("vhost"),
                    type: try exchange.requiredString("type"),
                    durable: try exchange.bool("durable", default: true),
                    autoDelete: try exchange.bool("auto_delete", default: false),
                    internal: try exchange.bool("internal", default: false),
                    arguments: try exchange.table("arguments"))
            },
            queues: try objects("queues", in: document).map { (queue) throws(ConfigError) in
                QueueDefinition(
                    name: try queue.requiredString("name"),
                    vhost: try queue.requiredString("vhost"),
                    durable: try queue.bool("durable", default: true),
                    autoDelete: try queue.bool("auto_delete", default: false),
                    arguments: try queue.table("arguments"))
            },
            bindings: try objects("bindings", in: document).map { (binding) throws(ConfigError) in
                let destinationType = try binding.requiredString("destination_type")
                guard destinationType == "queue" || destinationType == "exchange" else {
                    throw binding.error(
                        "destination_type must be \"queue\" or \"exchange\", not \"\(destinationType)\"")
                }
                return BindingDefinition(
                    source: try binding.requiredString("source"),
                    vhost: try binding.requiredString("vhost"),
                    destination: try binding.requiredString("destination"),
                    destinationType: destinationType,
                    routingKey: try binding.optionalString("routing_key") ?? "",
                    arguments: try binding.table("arguments"))
            },
            policies: try objects("policies", in: document).map { (policy) throws(ConfigError) in
                let applyTo = try policy.optionalString("apply-to") ?? "all"
                guard ["queues", "exchanges", "all"].contains(applyTo) else {
                    throw policy.error("apply-to must be \"queues\", \"exchanges\" or \"all\", not \"\(applyTo)\"")
                }
                let priority: Int
                switch policy.fields["priority"] {
                case nil, .null?: priority = 0
                case .int(let p)?: priority = Int(p)
                case let other?: throw policy.error("priority must be an integer, not \(other.kindDescription)")
                }
                return PolicyDefinition(
                    vhost: try policy.requiredString("vhost"), name: try policy.requiredString("name"),
                    pattern: try policy.requiredString("pattern"), applyTo: applyTo, priority: priority,
                    definition: try policy.table("definition"))
            })
    }

    /// Reads and parses the definitions file at `path` (e.g. `[main] load_definitions`); errors start with the path.
    public static func load(path: String) throws(ConfigError) -> Definitions {
        try parse(FileReader.bytes(atPath: path), source: path)
    }

    /// The elements of the top-level array `key`, each required to be an object.
    private static func objects(_ key: String, in document: DefinitionObject) throws(ConfigError) -> [DefinitionObject]
    {
        switch document.fields[key] {
        case nil, .null:
            return []
        case .array(let elements):
            var objects: [DefinitionObject] = []
            for (position, element) in elements.enumerated() {
                let path = "\(key)[\(position)]"
                guard case .table(let fields) = element else {
                    throw ConfigError(
                        "\(document.source): \(path): expected an object, found \(element.kindDescription)")
                }
                objects.append(DefinitionObject(source: document.source, path: path, fields: fields))
            }
            return objects
        case let value?:
            throw ConfigError("\(document.source): \(key): expected an array, found \(value.kindDescription)")
        }
    }
}
