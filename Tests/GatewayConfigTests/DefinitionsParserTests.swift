import AMQPValues
import Testing

@testable import GatewayConfig

@Suite("Definitions parser")
struct DefinitionsParserTests {
    /// Shaped like `rabbitmqctl export_definitions` output from RabbitMQ 3.10, plus a hand-written user.
    static let export = #"""
        {
          "rabbit_version": "3.10.8",
          "rabbitmq_version": "3.10.8",
          "product_name": "RabbitMQ",
          "users": [
            {
              "name": "admin",
              "password_hash": "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR",
              "hashing_algorithm": "rabbit_password_hashing_sha256",
              "tags": ["administrator", "management"],
              "limits": {}
            },
            {
              "name": "legacy",
              "password_hash": "$2b$10$abcdefghijklmnopqrstuu5NEEzqVq0FqPj7bZL1ph5oYmmJmO5Ga",
              "hashing_algorithm": "lavinmq_bcrypt",
              "tags": "monitoring, policymaker"
            },
            { "name": "sensor", "password": "s3cret", "tags": "" }
          ],
          "vhosts": [ { "name": "/", "limits": [], "metadata": { "description": "Default virtual host", "tags": [] } },
                      { "name": "iot" } ],
          "permissions": [
            { "user": "admin", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*" },
            { "user": "sensor", "vhost": "iot", "configure": "^$", "write": "^mqtt\\.", "read": "" }
          ],
          "topic_permissions": [
            { "user": "sensor", "vhost": "iot", "exchange": "mqtt.default", "write": "^sensors/{client_id}/", "read": ".*" }
          ],
          "parameters": [],
          "global_parameters": [ { "name": "internal_cluster_id", "value": "rabbitmq-cluster-id-x" } ],
          "policies": [],
          "queues": [
            {
              "name": "orders", "vhost": "/", "durable": true, "auto_delete": false,
              "arguments": { "x-message-ttl": 60000, "x-dead-letter-exchange": "dlx", "x-queue-type": "classic",
                             "x-ratio": 0.5, "x-lazy": true, "x-nothing": null, "x-list": [1, "two"], "x-nested": { "k": -7 } }
            },
            { "name": "scratch", "vhost": "/", "durable": false, "auto_delete": true, "arguments": {} }
          ],
          "exchanges": [
            { "name": "dlx", "vhost": "/", "type": "fanout", "durable": true, "auto_delete": false, "internal": false, "arguments": {} },
            { "name": "events", "vhost": "/", "type": "topic", "durable": false, "auto_delete": true, "internal": true,
              "arguments": { "alternate-exchange": "dlx" } }
          ],
          "bindings": [
            { "source": "events", "vhost": "/", "destination": "orders", "destination_type": "queue",
              "routing_key": "order.*", "arguments": {} },
            { "source": "events", "vhost": "/", "destination": "dlx", "destination_type": "exchange",
              "routing_key": "#", "arguments": { "x-match": "any" } }
          ]
        }
        """#

    @Test("a realistic RabbitMQ export parses exactly")
    func parsesExport() throws {
        let definitions = try DefinitionsParser.parse(Array(Self.export.utf8), source: "defs.json")
        let expected = Definitions(
            users: [
                UserDefinition(
                    name: "admin", passwordHash: "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR",
                    hashingAlgorithm: "rabbit_password_hashing_sha256", tags: ["administrator", "management"]),
                UserDefinition(
                    name: "legacy", passwordHash: "$2b$10$abcdefghijklmnopqrstuu5NEEzqVq0FqPj7bZL1ph5oYmmJmO5Ga",
                    hashingAlgorithm: "lavinmq_bcrypt", tags: ["monitoring", "policymaker"]),
                UserDefinition(name: "sensor", password: "s3cret", tags: []),
            ],
            vhosts: [VHostDefinition(name: "/"), VHostDefinition(name: "iot")],
            permissions: [
                PermissionDefinition(user: "admin", vhost: "/", configure: ".*", write: ".*", read: ".*"),
                PermissionDefinition(user: "sensor", vhost: "iot", configure: "^$", write: "^mqtt\\.", read: ""),
            ],
            topicPermissions: [
                TopicPermissionDefinition(
                    user: "sensor", vhost: "iot", exchange: "mqtt.default", write: "^sensors/{client_id}/", read: ".*")
            ],
            exchanges: [
                ExchangeDefinition(name: "dlx", vhost: "/", type: "fanout"),
                ExchangeDefinition(
                    name: "events", vhost: "/", type: "topic", durable: false, autoDelete: true, internal: true,
                    arguments: ["alternate-exchange": .string("dlx")]),
            ],
            queues: [
                QueueDefinition(
                    name: "orders", vhost: "/",
                    arguments: [
                        "x-message-ttl": .int(60000), "x-dead-letter-exchange": .string("dlx"),
                        "x-queue-type": .string("classic"), "x-ratio": .double(0.5), "x-lazy": .bool(true),
                        "x-nothing": .null, "x-list": .array([.int(1), .string("two")]),
                        "x-nested": .table(["k": .int(-7)]),
                    ]),
                QueueDefinition(name: "scratch", vhost: "/", durable: false, autoDelete: true),
            ],
            bindings: [
                BindingDefinition(
                    source: "events", vhost: "/", destination: "orders", destinationType: "queue",
                    routingKey: "order.*"),
                BindingDefinition(
                    source: "events", vhost: "/", destination: "dlx", destinationType: "exchange", routingKey: "#",
                    arguments: ["x-match": .string("any")]),
            ])
        #expect(definitions == expected)
    }

    @Test("absent sections and optional fields take their defaults")
    func minimalFile() throws {
        let json =
            #"{"queues": [{"name": "q", "vhost": "/"}], "bindings": [{"source": "amq.direct", "vhost": "/", "destination": "q", "destination_type": "queue"}]}"#
        let definitions = try DefinitionsParser.parse(Array(json.utf8), source: "defs.json")
        #expect(definitions.users.isEmpty && definitions.vhosts.isEmpty && definitions.exchanges.isEmpty)
        #expect(definitions.queues == [QueueDefinition(name: "q", vhost: "/")])
        #expect(definitions.bindings.first?.routingKey == "")
    }

    @Test("broken files fail with a message naming the problem and where it is")
    func brokenFiles() {
        func message(_ json: String) -> String? {
            configErrorMessage { _ = try DefinitionsParser.parse(Array(json.utf8), source: "defs.json") }
        }
        #expect(
            message("{\n  \"users\": [\n    {\"name\": \"a\",}\n  ]\n}")
                == "defs.json: invalid JSON at line 3, column 18: unexpected '}', expected a string key")
        #expect(message("") == "defs.json: invalid JSON at line 1, column 1: unexpected end of input, expected a value")
        #expect(
            message("{\"users\": []} x")
                == "defs.json: invalid JSON at line 1, column 15: unexpected 'x' after the value")
        #expect(message("{\"users\": {}}") == "defs.json: users: expected an array, found an object")
        #expect(message("[]") == "defs.json: expected a JSON object at the top level, found an array")
        #expect(
            message(#"{"users": [{"name": "a"}, {"name": "b"}, {"tags": "x"}]}"#)
                == #"defs.json: users[2]: missing "name""#)
        #expect(message(#"{"users": ["bob"]}"#) == "defs.json: users[0]: expected an object, found a string")
        #expect(
            message(#"{"users": [{"name": "a", "tags": ["ok", 3]}]}"#)
                == "defs.json: users[0].tags[1]: expected a string, found an integer")
        #expect(
            message(#"{"queues": [{"name": "q", "vhost": "/", "durable": "yes"}]}"#)
                == "defs.json: queues[0].durable: expected a boolean, found a string")
        #expect(
            message(#"{"queues": [{"name": "q", "vhost": "/", "arguments": []}]}"#)
                == "defs.json: queues[0].arguments: expected an object, found an array")
        #expect(
            message(#"{"permissions": [{"user": "u", "vhost": "/", "configure": ".*", "write": ".*"}]}"#)
                == #"defs.json: permissions[0]: missing "read""#)
        #expect(
            message(#"{"bindings": [{"source": "e", "vhost": "/", "destination": "q", "destination_type": "stream"}]}"#)
                == #"defs.json: bindings[0]: destination_type must be "queue" or "exchange", not "stream""#)
    }

    @Test("a definitions file is read from disk; a missing one names the path and reason")
    func loadFromDisk() throws {
        let file = try TemporaryFile(name: "defs.json", contents: #"{"vhosts": [{"name": "v"}]}"#)
        #expect(try DefinitionsParser.load(path: file.path).vhosts == [VHostDefinition(name: "v")])
        #expect(
            configErrorMessage { _ = try DefinitionsParser.load(path: "/nonexistent/defs.json") }
                == "/nonexistent/defs.json: cannot read: No such file or directory")
    }

    @Test("arguments convert to an AMQP field table the way RabbitMQ imports them")
    func argumentsAsFieldTable() {
        let table = FieldTable(definitionArguments: [
            "x-message-ttl": .int(60000), "x-dead-letter-exchange": .string("dlx"), "x-flag": .bool(true),
        ])
        #expect(table["x-message-ttl"] == .int64(60000))
        #expect(table["x-dead-letter-exchange"] == .string("dlx"))
        #expect(table["x-flag"] == .bool(true))
        #expect(table.entries.map(\.key) == ["x-dead-letter-exchange", "x-flag", "x-message-ttl"])
    }
}
