import AMQPValues

/// The destinations a message routes to, collected across one or more exchanges.
///
/// Destinations keep first-match order and appear once each; inserting a destination again keeps the
/// higher qos (MQTT 3.1.1 §3.3.5: one copy per subscriber at the maximum QoS of its matching subscriptions).
/// Meant to be reused for every message on a connection: `removeAll()` keeps the storage, so routing
/// allocates nothing once the buffers have grown to the working size. Deduplication scans linearly while
/// there are few targets (the common case) and switches to a hash index past `linearLimit`.
///
/// It also carries the scratch space the topic and mqtt matchers use (word boundaries and a work stack),
/// so those need no allocation per message either.
public struct RouteTargets<Destination: Hashable & Sendable>: Sendable, RandomAccessCollection {
    public typealias Element = (destination: Destination, qos: UInt8)

    /// Above this many targets, duplicates are found through `index` instead of a scan.
    private static var linearLimit: Int { 8 }

    private var items: [Element] = []
    /// Destination to position in `items`; empty while `items.count <= linearLimit`.
    private var index: [Destination: Int] = [:]

    /// Word (level) boundaries of the routing key being matched: start and end byte offsets.
    var wordStarts: [Int] = []
    var wordEnds: [Int] = []
    /// Hash of each word, as `WordTrie` computes it.
    var wordHashes: [Int] = []
    /// Pending (trie node, next word) states of the matcher.
    var stack: [(node: Int32, word: Int32)] = []
    /// (node << 32 | word) states already expanded, when the topic matcher needs to remember them.
    var visited: Set<Int> = []

    /// What the targets are the route of (`remember`), until `removeAll`: the exchange, its routing generation
    /// then, and the routing key.
    private var routeSource: (any AnyObject & Sendable)?
    private var routeGeneration: UInt64 = 0
    private var routeKey: ByteString = ""

    /// No targets.
    public init() {}

    /// Number of distinct destinations.
    public var count: Int { items.count }
    public var startIndex: Int { 0 }
    public var endIndex: Int { items.count }

    /// The `i`th destination in first-match order and its qos.
    public subscript(i: Int) -> (destination: Destination, qos: UInt8) { items[i] }

    /// Adds `d`, or raises its qos to `qos` if it is already a target.
    public mutating func insert(_ d: Destination, qos: UInt8) {
        if index.isEmpty {
            for i in items.indices where items[i].destination == d {
                if qos > items[i].qos { items[i].qos = qos }
                return
            }
            items.append((destination: d, qos: qos))
            if items.count > Self.linearLimit {
                for i in items.indices { index[items[i].destination] = i }
            }
        } else if let i = index[d] {
            if qos > items[i].qos { items[i].qos = qos }
        } else {
            index[d] = items.count
            items.append((destination: d, qos: qos))
        }
    }

    /// Forgets every target, keeping the storage for the next message.
    public mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        routeSource = nil
    }

    /// Records that the targets are the complete route of `key` through `source` at its routing `generation`.
    public mutating func remember(source: any AnyObject & Sendable, generation: UInt64, key: ByteString) {
        routeSource = source
        routeGeneration = generation
        routeKey = key
    }

    /// True when the targets are still the route of `key` through `source` (`remember`), which is now at routing
    /// `generation`: a publisher repeating a topic skips the matching.
    public func holdsRoute(of source: AnyObject, generation: UInt64, key: ByteString) -> Bool {
        routeSource === source && routeGeneration == generation && routeKey == key
    }

    /// True when `d` is already a target.
    public func contains(_ d: Destination) -> Bool {
        if index.isEmpty { return items.contains { $0.destination == d } }
        return index[d] != nil
    }
}
