import JSON

/// Writes ``Definitions`` as RabbitMQ-format definitions JSON, the inverse of ``DefinitionsParser``: the shape
/// `rabbitmqctl export_definitions` and `GET /api/definitions` produce, so the file imports into RabbitMQ,
/// LavinMQ and Gateway alike.
///
/// Top-level keys, in this order: `product_name` ("Gateway"), `product_version`, `users`, `vhosts`, `permissions`,
/// `topic_permissions`, `parameters`, `global_parameters` (both always empty: Gateway has none), `policies`,
/// `queues`, `exchanges`, `bindings`. `rabbit_version` is not written, because Gateway is not that
/// RabbitMQ version; RabbitMQ then assumes its current hashing default only for users without `hashing_algorithm`.
///
/// Per object, keys come in a fixed order and `arguments` (and any nested object) are sorted by key, so the same
/// definitions always produce the same bytes and exports diff cleanly.
/// - users: `name`, `password_hash`, `hashing_algorithm` (omitted when nil, which the parser reads back as nil and
///   RabbitMQ as its default), `tags` (always the array form), `limits` ({}). A plain ``UserDefinition/password``
///   is never written: an export must not leak secrets. A user without ``UserDefinition/passwordHash`` gets
///   `"password_hash": ""`, which is how RabbitMQ exports a user that cannot log in with a password.
/// - vhosts: `name`, `limits` ([]), `metadata` ({"description": "", "tags": []}).
/// - permissions: `user`, `vhost`, `configure`, `write`, `read`.
/// - topic_permissions: `user`, `vhost`, `exchange`, `write`, `read`.
/// - queues: `name`, `vhost`, `durable`, `auto_delete`, `arguments`.
/// - exchanges: `name`, `vhost`, `type`, `durable`, `auto_delete`, `internal`, `arguments`.
/// - bindings: `source`, `vhost`, `destination`, `destination_type`, `routing_key`, `arguments`.
///
/// ``JSONValue`` arguments keep their JSON types: integers are written as integers, doubles always with a
/// '.' or an exponent (so they read back as doubles; NaN and infinity, which JSON cannot express, as `null`).
/// Strings are escaped per RFC 8259 §7 and otherwise written as UTF-8.
///
/// Consequently `DefinitionsParser.parse(DefinitionsWriter.json(d, …))` equals `d` whenever no user has a
/// ``UserDefinition/password`` and every user has a ``UserDefinition/passwordHash``.
public enum DefinitionsWriter {
    /// The definitions as JSON; `productVersion` is written as `product_version`. Pretty output is indented by two
    /// spaces and ends with a newline; compact output has no whitespace.
    public static func json(_ definitions: Definitions, productVersion: String, pretty: Bool = true) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        writer.object { writer in
            writer.member("product_name", .string("Gateway"))
            writer.member("product_version", .string(productVersion))
            writer.member("users", array: definitions.users) { writer, user in
                writer.object { writer in
                    writer.member("name", .string(user.name))
                    writer.member("password_hash", .string(user.passwordHash ?? ""))
                    if let algorithm = user.hashingAlgorithm {
                        writer.member("hashing_algorithm", .string(algorithm))
                    }
                    writer.member("tags", .array(user.tags.map(JSONValue.string)))
                    writer.member("limits", .table([:]))
                }
            }
            writer.member("vhosts", array: definitions.vhosts) { writer, vhost in
                writer.object { writer in
                    writer.member("name", .string(vhost.name))
                    writer.member("limits", .array([]))
                    writer.member("metadata", object: { writer in
                        writer.member("description", .string(""))
                        writer.member("tags", .array([]))
                    })
                }
            }
            writer.member("permissions", array: definitions.permissions) { writer, permission in
                writer.object { writer in
                    writer.member("user", .string(permission.user))
                    writer.member("vhost", .string(permission.vhost))
                    writer.member("configure", .string(permission.configure))
                    writer.member("write", .string(permission.write))
                    writer.member("read", .string(permission.read))
                }
            }
            writer.member("topic_permissions", array: definitions.topicPermissions) { writer, permission in
                writer.object { writer in
                    writer.member("user", .string(permission.user))
                    writer.member("vhost", .string(permission.vhost))
                    writer.member("exchange", .string(permission.exchange))
                    writer.member("write", .string(permission.write))
                    writer.member("read", .string(permission.read))
                }
            }
            writer.member("parameters", .array([]))
            writer.member("global_parameters", .array([]))
            writer.member("policies", array: definitions.policies) { writer, policy in
                writer.object { writer in
                    writer.member("vhost", .string(policy.vhost))
                    writer.member("name", .string(policy.name))
                    writer.member("pattern", .string(policy.pattern))
                    writer.member("apply-to", .string(policy.applyTo))
                    writer.member("definition", .table(policy.definition))
                    writer.member("priority", .int(Int64(policy.priority)))
                }
            }
            writer.member("queues", array: definitions.queues) { writer, queue in
                writer.object { writer in
                    writer.member("name", .string(queue.name))
                    writer.member("vhost", .string(queue.vhost))
                    writer.member("durable", .bool(queue.durable))
                    writer.member("auto_delete", .bool(queue.autoDelete))
                    writer.member("arguments", .table(queue.arguments))
                }
            }
            writer.member("exchanges", array: definitions.exchanges) { writer, exchange in
                writer.object { writer in
                    writer.member("name", .string(exchange.name))
                    writer.member("vhost", .string(exchange.vhost))
                    writer.member("type", .string(exchange.type))
                    writer.member("durable", .bool(exchange.durable))
                    writer.member("auto_delete", .bool(exchange.autoDelete))
                    writer.member("internal", .bool(exchange.internal))
                    writer.member("arguments", .table(exchange.arguments))
                }
            }
            writer.member("bindings", array: definitions.bindings) { writer, binding in
                writer.object { writer in
                    writer.member("source", .string(binding.source))
                    writer.member("vhost", .string(binding.vhost))
                    writer.member("destination", .string(binding.destination))
                    writer.member("destination_type", .string(binding.destinationType))
                    writer.member("routing_key", .string(binding.routingKey))
                    writer.member("arguments", .table(binding.arguments))
                }
            }
        }
        var bytes = writer.bytes
        if pretty { bytes.append(0x0A) }
        return bytes
    }
}
