import AMQPModel
import AMQPValues
import GatewayConfig
import HTTPCodec
import JSON

/// One binding as the management API shows it, with RabbitMQ's `properties_key` that names it in URLs: the
/// routing key (`~` when empty) when there are no arguments, else the key, `~` and a hash of the arguments.
struct BindingRecord {
    let vhost: String
    /// The source exchange's name; "" for the default exchange's implicit binding to every queue.
    let source: String
    let destination: Destination
    let key: String
    let arguments: FieldTable

    var destinationName: String {
        switch destination {
        case .queue(let q): q.name.string
        case .exchange(let e): e.name.string
        }
    }

    var destinationType: String {
        if case .queue = destination { return "queue" }
        return "exchange"
    }

    func isTo(queue: Queue) -> Bool {
        if case .queue(let q) = destination { return q === queue }
        return false
    }

    func isTo(exchange: Exchange) -> Bool {
        if case .exchange(let e) = destination { return e === exchange }
        return false
    }

    var propertiesKey: String {
        guard !arguments.entries.isEmpty else { return key.isEmpty ? "~" : HTTPTarget.encodeSegment(key) }
        var writer = JSONWriter(pretty: false)
        writer.value(.table(DefinitionsExporter.arguments(arguments)))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in writer.bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return HTTPTarget.encodeSegment(key) + "~" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    var json: JSONValue {
        .table([
            "source": .string(source), "vhost": .string(vhost), "destination": .string(destinationName),
            "destination_type": .string(destinationType), "routing_key": .string(key),
            "arguments": .table(DefinitionsExporter.arguments(arguments)), "properties_key": .string(propertiesKey),
        ])
    }
}

extension APIRequest {
    /// Every binding of `vhost`, the default exchange's implicit ones first (one per queue, as RabbitMQ lists them).
    func bindingList(in vhost: VHost) -> [BindingRecord] {
        var out = vhost.queues.map {
            BindingRecord(vhost: vhost.name, source: "", destination: .queue($0), key: $0.name.string, arguments: FieldTable())
        }
        for (source, b) in vhost.bindings {
            out.append(
                BindingRecord(
                    vhost: vhost.name, source: source.name.string, destination: b.destination, key: b.key.string,
                    arguments: b.arguments))
        }
        return out
    }
}
