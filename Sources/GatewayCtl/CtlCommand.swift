import Auth
import JSON

#if canImport(Glibc)
    import Glibc
#endif

/// One `gatewayctl` verb with its arguments (after the global options), run against the management API.
struct CtlCommand {
    let client: CtlClient
    let output: CtlOutput
    /// `-p VHOST` / `--vhost VHOST` after the verb (rabbitmqctl's spelling); `/` by default.
    var vhost = "/"
    /// `--priority N` and `--apply-to queues|exchanges|all` (set_policy).
    var priority = 0
    var applyTo = "all"
    var arguments: [String] = []

    /// Every verb with its usage line, for `--help` and errors.
    static let usage: [(verb: String, arguments: String)] = [
        ("status", ""), ("list_users", ""), ("add_user", "USER PASSWORD"), ("delete_user", "USER"),
        ("change_password", "USER PASSWORD"), ("set_user_tags", "USER [TAG ...]"), ("list_vhosts", ""),
        ("add_vhost", "VHOST"), ("delete_vhost", "VHOST"), ("list_permissions", "[-p VHOST]"),
        ("set_permissions", "[-p VHOST] USER CONFIGURE WRITE READ"), ("clear_permissions", "[-p VHOST] USER"),
        ("set_topic_permissions", "[-p VHOST] USER EXCHANGE WRITE READ"), ("list_queues", "[-p VHOST]"),
        ("list_exchanges", "[-p VHOST]"), ("list_bindings", "[-p VHOST]"), ("list_connections", ""),
        ("close_connection", "NAME [REASON]"), ("purge_queue", "[-p VHOST] QUEUE"),
        ("delete_queue", "[-p VHOST] QUEUE"), ("export_definitions", "FILE|-"), ("import_definitions", "FILE"),
        ("hash_password", "PASSWORD"), ("list_mqtt_sessions", "[-p VHOST]"),
        ("delete_mqtt_session", "[-p VHOST] CLIENT_ID"), ("list_retained", "[-p VHOST]"), ("cluster_status", ""),
        ("list_policies", "[-p VHOST]"),
        ("set_policy", "[-p VHOST] [--priority N] [--apply-to queues|exchanges|all] NAME PATTERN DEFINITION"),
        ("clear_policy", "[-p VHOST] NAME"),
    ]

    init(client: CtlClient, output: CtlOutput, arguments raw: [String]) throws(CtlError) {
        self.client = client
        self.output = output
        var i = 0
        while i < raw.count {
            if ["-p", "--vhost", "--priority", "--apply-to"].contains(raw[i]) {
                guard i + 1 < raw.count else { throw .usage("\(raw[i]) needs a value") }
                switch raw[i] {
                case "--priority":
                    guard let p = Int(raw[i + 1]) else { throw .usage("--priority needs an integer") }
                    priority = p
                case "--apply-to": applyTo = raw[i + 1]
                default: vhost = raw[i + 1]
                }
                i += 2
            } else {
                arguments.append(raw[i])
                i += 1
            }
        }
    }

    private var v: String { CtlClient.segment(vhost) }

    private func args(_ count: Int, _ verb: String) throws(CtlError) -> [String] {
        guard arguments.count == count else {
            let line = Self.usage.first { $0.verb == verb }?.arguments ?? ""
            throw .usage("usage: gatewayctl \(verb) \(line)")
        }
        return arguments
    }

    func run(_ verb: String) throws(CtlError) {
        let s = CtlClient.segment
        switch verb {
        case "status":
            _ = try args(0, verb)
            guard case .table(let o)? = try client.call("GET", "/api/overview") else { return }
            for key in ["node", "product_name", "product_version"] {
                if case .string(let value)? = o[key] { print("\(key)\t\(value)") }
            }
            for section in ["object_totals", "queue_totals"] {
                if case .table(let t)? = o[section] {
                    for (k, value) in t.sorted(by: { $0.key < $1.key }) { print("\(k)\t\(CtlOutput.text(value))") }
                }
            }
        case "cluster_status":
            _ = try args(0, verb)
            guard case .array(let nodes)? = try client.call("GET", "/api/nodes") else { return }
            for case .table(let node) in nodes {
                guard case .table(let c)? = node["cluster"] else {
                    print("clustering is off on \(CtlOutput.text(node["name"] ?? .null))")
                    continue
                }
                for key in ["role", "leader", "advertised_uri"] {
                    if case .string(let value)? = c[key] { print("\(key)\t\(value)") }
                }
                for key in ["etcd_endpoints", "isr"] {
                    guard case .array(let values)? = c[key] else { continue }
                    let names = values.compactMap { if case .string(let e) = $0 { e } else { nil } }
                    print("\(key)\t\(names.joined(separator: ","))")
                }
                if case .array(let followers)? = c["followers"] {
                    for case .table(let f) in followers {
                        let fields = ["node", "address", "in_sync", "lag_in_bytes"].map { CtlOutput.text(f[$0] ?? .null) }
                        print("follower\t" + fields.joined(separator: "\t"))
                    }
                }
            }
        case "list_users":
            _ = try args(0, verb)
            output.table(try client.call("GET", "/api/users"), columns: ["name", "tags"])
        case "add_user":
            let a = try args(2, verb)
            _ = try client.call("PUT", "/api/users/\(s(a[0]))", .table(["password": .string(a[1]), "tags": .string("")]))
            print("Adding user \"\(a[0])\" ...")
        case "delete_user":
            let a = try args(1, verb)
            _ = try client.call("DELETE", "/api/users/\(s(a[0]))")
            print("Deleting user \"\(a[0])\" ...")
        case "change_password":
            let a = try args(2, verb)
            guard case .table(let user)? = try client.call("GET", "/api/users/\(s(a[0]))") else { return }
            _ = try client.call(
                "PUT", "/api/users/\(s(a[0]))", .table(["password": .string(a[1]), "tags": user["tags"] ?? .array([])]))
            print("Changing password for user \"\(a[0])\" ...")
        case "set_user_tags":
            guard let name = arguments.first else { throw .usage("usage: gatewayctl set_user_tags USER [TAG ...]") }
            guard case .table(let user)? = try client.call("GET", "/api/users/\(s(name))") else { return }
            _ = try client.call(
                "PUT", "/api/users/\(s(name))",
                .table([
                    "password_hash": user["password_hash"] ?? .string(""),
                    "hashing_algorithm": user["hashing_algorithm"] ?? .string("rabbit_password_hashing_sha256"),
                    "tags": .array(arguments.dropFirst().map { .string($0) }),
                ]))
            print("Setting tags for user \"\(name)\" to [\(arguments.dropFirst().joined(separator: ", "))] ...")
        case "list_vhosts":
            _ = try args(0, verb)
            output.table(try client.call("GET", "/api/vhosts"), columns: ["name", "messages"])
        case "add_vhost":
            let a = try args(1, verb)
            _ = try client.call("PUT", "/api/vhosts/\(s(a[0]))")
            print("Adding vhost \"\(a[0])\" ...")
        case "delete_vhost":
            let a = try args(1, verb)
            _ = try client.call("DELETE", "/api/vhosts/\(s(a[0]))")
            print("Deleting vhost \"\(a[0])\" ...")
        case "list_permissions":
            _ = try args(0, verb)
            output.table(try client.call("GET", "/api/vhosts/\(v)/permissions"), columns: ["user", "configure", "write", "read"])
        case "set_permissions":
            let a = try args(4, verb)
            _ = try client.call(
                "PUT", "/api/permissions/\(v)/\(s(a[0]))",
                .table(["configure": .string(a[1]), "write": .string(a[2]), "read": .string(a[3])]))
            print("Setting permissions for user \"\(a[0])\" in vhost \"\(vhost)\" ...")
        case "clear_permissions":
            let a = try args(1, verb)
            _ = try client.call("DELETE", "/api/permissions/\(v)/\(s(a[0]))")
            print("Clearing permissions for user \"\(a[0])\" in vhost \"\(vhost)\" ...")
        case "set_topic_permissions":
            let a = try args(4, verb)
            _ = try client.call(
                "PUT", "/api/topic-permissions/\(v)/\(s(a[0]))",
                .table(["exchange": .string(a[1]), "write": .string(a[2]), "read": .string(a[3])]))
            print("Setting topic permissions on \"\(a[1])\" for user \"\(a[0])\" in vhost \"\(vhost)\" ...")
        case "list_queues":
            _ = try args(0, verb)
            output.table(try client.call("GET", "/api/queues/\(v)"), columns: ["name", "messages", "consumers"])
        case "list_exchanges":
            _ = try args(0, verb)
            output.table(try client.call("GET", "/api/exchanges/\(v)"), columns: ["name", "type"])
        case "list_bindings":
            _ = try args(0, verb)
            output.table(
                try client.call("GET", "/api/bindings/\(v)"),
                columns: ["source", "destination", "destination_type", "routing_key"])
        case "list_connections":
            _ = try args(0, verb)
            output.table(
                try client.call("GET", "/api/connections"), columns: ["name", "user", "vhost", "protocol", "client_id"])
        case "close_connection":
            guard arguments.count == 1 || arguments.count == 2 else {
                throw .usage("usage: gatewayctl close_connection NAME [REASON]")
            }
            _ = try client.call("DELETE", "/api/connections/\(s(arguments[0]))")
            print("Closing connection \"\(arguments[0])\" ...")
        case "purge_queue":
            let a = try args(1, verb)
            _ = try client.call("DELETE", "/api/queues/\(v)/\(s(a[0]))/contents")
            print("Purging queue \"\(a[0])\" in vhost \"\(vhost)\" ...")
        case "delete_queue":
            let a = try args(1, verb)
            _ = try client.call("DELETE", "/api/queues/\(v)/\(s(a[0]))")
            print("Deleting queue \"\(a[0])\" in vhost \"\(vhost)\" ...")
        case "export_definitions":
            let a = try args(1, verb)
            guard let definitions = try client.call("GET", "/api/definitions") else { return }
            let text = CtlOutput.text(definitions)
            if a[0] == "-" { print(text) } else { try Self.write(text, to: a[0]) }
        case "import_definitions":
            let a = try args(1, verb)
            let bytes = try Self.read(a[0])
            let definitions: JSONValue
            do { definitions = try JSONReader.parse(bytes) } catch { throw .usage("\(a[0]): not valid JSON: \(error)") }
            _ = try client.call("POST", "/api/definitions", definitions)
            print("Importing definitions from \"\(a[0])\" ...")
        case "hash_password":
            let a = try args(1, verb)
            print(PasswordHash.make(a[0]))
        case "list_mqtt_sessions":
            _ = try args(0, verb)
            output.table(
                try client.call("GET", "/api/mqtt/sessions/\(v)"),
                columns: ["client_id", "connected", "persistent", "messages", "in_flight"])
        case "delete_mqtt_session":
            let a = try args(1, verb)
            _ = try client.call("DELETE", "/api/mqtt/sessions/\(v)/\(s(a[0]))")
            print("Ending MQTT session \"\(a[0])\" in vhost \"\(vhost)\" ...")
        case "list_retained":
            _ = try args(0, verb)
            output.table(try client.call("GET", "/api/mqtt/retained/\(v)"), columns: ["topic", "payload_bytes", "qos"])
        case "list_policies":
            _ = try args(0, verb)
            output.table(
                try client.call("GET", "/api/policies/\(v)"),
                columns: ["vhost", "name", "pattern", "apply-to", "definition", "priority"])
        case "set_policy":
            let a = try args(3, verb)
            let definition: JSONValue
            do { definition = try JSONReader.parse(Array(a[2].utf8)) } catch {
                throw .usage("the policy definition must be a JSON object: \(error)")
            }
            _ = try client.call(
                "PUT", "/api/policies/\(v)/\(s(a[0]))",
                .table([
                    "pattern": .string(a[1]), "definition": definition, "priority": .int(Int64(priority)),
                    "apply-to": .string(applyTo),
                ]))
            print("Setting policy \"\(a[0])\" for pattern \"\(a[1])\" to \"\(a[2])\" with priority \"\(priority)\" ...")
        case "clear_policy":
            let a = try args(1, verb)
            _ = try client.call("DELETE", "/api/policies/\(v)/\(s(a[0]))")
            print("Clearing policy \"\(a[0])\" on vhost \"\(vhost)\" ...")
        default:
            throw .usage("unknown command '\(verb)'; see gatewayctl --help")
        }
    }

    private static func write(_ text: String, to path: String) throws(CtlError) {
        guard let f = fopen(path, "w") else { throw .usage("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        fputs(text + "\n", f)
    }

    private static func read(_ path: String) throws(CtlError) -> [UInt8] {
        guard let f = fopen(path, "r") else { throw .usage("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return bytes
    }
}
