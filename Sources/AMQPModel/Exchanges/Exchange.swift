import AMQPValues
import Locks
import Synchronization

/// An exchange: a name, a type and the bindings that decide which destinations a message reaches.
///
/// Bindings change rarely and are read on every publish; they sit behind one lock held only while matching.
public final class Exchange: @unchecked Sendable, Hashable {
    /// Exchange name ("" is the default exchange).
    public let name: ByteString
    /// Routing semantics.
    public let type: ExchangeType
    /// Survives a restart.
    public let durable: Bool
    /// Deleted when its last binding (as a source) goes.
    public let autoDelete: Bool
    /// Clients may not publish to it directly; only exchange-to-exchange bindings feed it.
    public let isInternal: Bool
    /// Declare arguments.
    public let arguments: FieldTable

    private let table: Lock<RoutingTable<Destination>>
    private let deleted = Atomic<Bool>(false)
    /// Bumped after every change of the bindings: a route computed at one value is still the route while it holds.
    private let generation = Atomic<UInt64>(0)
    private let counters = Lock(ExchangeStats())

    /// Creates an exchange; use `VHost.declareExchange`, which registers it.
    init(name: ByteString, type: ExchangeType, durable: Bool, autoDelete: Bool, isInternal: Bool, arguments: FieldTable)
    {
        self.name = name
        self.type = type
        self.durable = durable
        self.autoDelete = autoDelete
        self.isInternal = isInternal
        self.arguments = arguments
        self.table = Lock(RoutingTable(type: type))
    }

    /// True once the exchange was deleted from its vhost (frontends drop cached references).
    public var isDeleted: Bool { deleted.load(ordering: .relaxed) }

    func markDeleted() { deleted.store(true, ordering: .relaxed) }

    /// The counters added so far by the frontends.
    public var stats: ExchangeStats { counters.withLock { $0 } }

    /// Adds what a frontend counted since it last reported (never per message).
    public func count(_ delta: ExchangeStats) {
        guard !delta.isZero else { return }
        counters.withLock { $0 = $0 + delta }
    }

    public static func == (lhs: Exchange, rhs: Exchange) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// Changes whenever a binding of this exchange is added or removed (read before routing, to reuse a route
    /// computed earlier at the same value: `RouteTargets.holdsRoute`).
    public var routingGeneration: UInt64 { generation.load(ordering: .acquiring) }

    /// Adds every matching destination to `targets`.
    @inlinable public func route(key: ByteString, headers: FieldTable?, into targets: inout RouteTargets<Destination>) {
        withTable { $0.route(key: key, headers: headers, into: &targets) }
    }

    @usableFromInline func withTable<R>(_ body: (inout RoutingTable<Destination>) -> R) -> R {
        table.withLock(body)
    }

    /// Adds a binding; false if it existed.
    func bind(_ d: Destination, key: ByteString, arguments: FieldTable) -> Bool {
        withTable { t in
            let added = t.bind(d, key: key, arguments: arguments)
            if added { bumpGeneration() }
            return added
        }
    }

    private func bumpGeneration() {
        generation.add(1, ordering: .releasing)
    }

    /// Removes a binding; false if it did not exist. `nowEmpty` tells whether no binding is left.
    func unbind(_ d: Destination, key: ByteString, arguments: FieldTable) -> (removed: Bool, nowEmpty: Bool) {
        withTable { t in
            let removed = t.unbind(d, key: key, arguments: arguments)
            if removed { bumpGeneration() }
            return (removed, t.count == 0)
        }
    }

    /// Removes every binding to `d`; `nowEmpty` tells whether no binding is left.
    func unbindAll(_ d: Destination) -> (removed: Int, nowEmpty: Bool) {
        withTable { t in
            let n = t.unbindAll(d)
            if n > 0 { bumpGeneration() }
            return (n, t.count == 0)
        }
    }

    /// The bindings whose source is this exchange.
    public var bindings: [RoutingBinding<Destination>] { withTable { $0.bindings } }

    /// Number of bindings whose source is this exchange.
    public var bindingCount: Int { withTable { $0.count } }
}
