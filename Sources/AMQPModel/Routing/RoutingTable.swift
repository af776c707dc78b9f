import AMQPValues

/// The bindings of one exchange and the matching logic of its type.
///
/// A value type: the owning exchange keeps it under its lock and routes through it on the publishing
/// thread. Every binding is recorded per destination (for idempotent bind, `unbindAll` when a queue or
/// exchange is deleted, and listing) and also in an index suited to the type:
/// - `direct`: routing key to destinations, one hash lookup per message;
/// - `fanout`: the list of bound destinations;
/// - `topic`, `mqtt`: a `WordTrie` walked byte by byte;
/// - `headers`: the parsed criteria of each binding, tried in turn.
/// Routing allocates nothing for direct, fanout and headers; topic and mqtt reuse the scratch space in
/// `RouteTargets`.
public struct RoutingTable<Destination: Hashable & Sendable>: Sendable {
    /// The exchange type whose semantics `route` applies.
    public let type: ExchangeType

    private struct Spec: Sendable, Equatable {
        var key: ByteString
        var arguments: FieldTable
    }

    private struct DestinationEntry: Sendable {
        /// Position of the destination in `destinations`.
        var position: Int
        var specs: [Spec]
    }

    private struct HeadersBinding: Sendable {
        var destination: Destination
        var spec: Spec
        var criteria: HeadersCriteria
    }

    private var byDestination: [Destination: DestinationEntry] = [:]
    /// Every destination with at least one binding, each once.
    private var destinations: [Destination] = []
    private var direct: [ByteString: [Destination]] = [:]
    private var trie: WordTrie<Destination>
    private var headerBindings: [HeadersBinding] = []

    /// Number of bindings.
    public private(set) var count: Int = 0

    /// An exchange of `type` with no bindings.
    public init(type: ExchangeType) {
        self.type = type
        trie = WordTrie(flavor: type == .mqtt ? .mqtt : .topic)
    }

    /// Every binding, grouped by destination in the order destinations were first bound.
    public var bindings: [RoutingBinding<Destination>] {
        var result: [RoutingBinding<Destination>] = []
        result.reserveCapacity(count)
        for d in destinations {
            for s in byDestination[d]?.specs ?? [] {
                result.append(RoutingBinding(destination: d, key: s.key, arguments: s.arguments))
            }
        }
        return result
    }

    /// Adds a binding; returns false if the identical (destination, key, arguments) binding already
    /// existed, in which case nothing changes (AMQP 0-9-1 §3.1.3.2: bind is idempotent).
    @discardableResult
    public mutating func bind(_ destination: Destination, key: ByteString, arguments: FieldTable) -> Bool {
        let spec = Spec(key: key, arguments: arguments)
        if let existing = byDestination[destination] {
            if existing.specs.contains(spec) { return false }
            byDestination[destination]!.specs.append(spec)
        } else {
            byDestination[destination] = DestinationEntry(position: destinations.count, specs: [spec])
            destinations.append(destination)
        }
        addToIndex(destination, spec)
        count += 1
        return true
    }

    /// Removes one binding; returns false if it did not exist.
    @discardableResult
    public mutating func unbind(_ destination: Destination, key: ByteString, arguments: FieldTable) -> Bool {
        let spec = Spec(key: key, arguments: arguments)
        guard let i = byDestination[destination]?.specs.firstIndex(of: spec) else { return false }
        byDestination[destination]!.specs.remove(at: i)
        if byDestination[destination]!.specs.isEmpty { forget(destination) }
        removeFromIndex(destination, spec)
        count -= 1
        return true
    }

    /// Removes every binding to `destination` (its queue or exchange was deleted); returns how many.
    @discardableResult
    public mutating func unbindAll(_ destination: Destination) -> Int {
        guard let entry = byDestination[destination] else { return 0 }
        forget(destination)
        for spec in entry.specs { removeFromIndex(destination, spec) }
        count -= entry.specs.count
        return entry.specs.count
    }

    /// Adds every destination whose binding matches, once each, to `targets`.
    ///
    /// For `mqtt` the qos of a destination is the highest `x-mqtt-qos` among its matching bindings;
    /// for the other types it is 0. `headers` is the message's headers table, read only by `headers`.
    public func route(key: ByteString, headers: FieldTable?, into targets: inout RouteTargets<Destination>) {
        switch type {
        case .direct:
            if let ds = direct[key] {
                for d in ds { targets.insert(d, qos: 0) }
            }
        case .fanout:
            for d in destinations { targets.insert(d, qos: 0) }
        case .topic:
            trie.matchTopic(key, into: &targets)
        case .mqtt:
            trie.matchMQTT(key, into: &targets)
        case .headers:
            for b in headerBindings where b.criteria.matches(headers) {
                targets.insert(b.destination, qos: 0)
            }
        }
    }

    /// The `x-mqtt-qos` binding argument, clamped to the MQTT range 0...2; 0 when absent or not an integer.
    private static func mqttQoS(_ arguments: FieldTable) -> UInt8 {
        guard let q = arguments["x-mqtt-qos"]?.intValue else { return 0 }
        return UInt8(min(max(q, 0), 2))
    }

    /// Drops `destination` from the per-destination record (swap-remove keeps this O(1)).
    private mutating func forget(_ destination: Destination) {
        guard let entry = byDestination.removeValue(forKey: destination) else { return }
        let last = destinations.count - 1
        if entry.position != last {
            let moved = destinations[last]
            destinations[entry.position] = moved
            byDestination[moved]!.position = entry.position
        }
        destinations.removeLast()
    }

    private mutating func addToIndex(_ destination: Destination, _ spec: Spec) {
        switch type {
        case .direct:
            direct[spec.key, default: []].append(destination)
        case .fanout:
            break
        case .topic:
            trie.insert(key: spec.key, destination: destination, qos: 0)
        case .mqtt:
            trie.insert(key: spec.key, destination: destination, qos: Self.mqttQoS(spec.arguments))
        case .headers:
            headerBindings.append(
                HeadersBinding(destination: destination, spec: spec, criteria: HeadersCriteria(arguments: spec.arguments)))
        }
    }

    private mutating func removeFromIndex(_ destination: Destination, _ spec: Spec) {
        switch type {
        case .direct:
            guard let i = direct[spec.key]?.firstIndex(of: destination) else { return }
            direct[spec.key]!.remove(at: i)
            if direct[spec.key]!.isEmpty { direct[spec.key] = nil }
        case .fanout:
            break
        case .topic:
            trie.remove(key: spec.key, destination: destination, qos: 0)
        case .mqtt:
            trie.remove(key: spec.key, destination: destination, qos: Self.mqttQoS(spec.arguments))
        case .headers:
            if let i = headerBindings.firstIndex(where: { $0.destination == destination && $0.spec == spec }) {
                headerBindings.remove(at: i)
            }
        }
    }
}
