import AMQPValues
import Locks
import Storage

/// A virtual host: its own namespace of exchanges, queues and bindings.
///
/// The registry (names to objects) is behind one lock, taken on declare/delete and on name lookups;
/// frontends cache the objects they publish to, so the per-message path mostly skips it.
public final class VHost: @unchecked Sendable {
    /// Vhost name.
    public let name: String
    /// Runs the core's delayed work (TTL, x-expires).
    public let scheduler: any BrokerScheduler
    /// Retained MQTT messages of this vhost.
    public let retained: RetainedMessages
    /// The QoS 2 state of the vhost's persistent MQTT sessions.
    public let mqttSessions: MQTTSessionStates
    /// Where durable queues keep their messages; nil keeps everything in memory.
    let storage: MessageStorage?

    private struct Registry {
        var exchanges: [ByteString: Exchange] = [:]
        var queues: [ByteString: Queue] = [:]
    }

    private let registry = Lock(Registry())
    /// The vhost's policies by name (control plane: read at declare and on policy changes).
    private let policyStore = Lock<[String: Policy]>([:])
    /// Serialises creating and deleting queues, which open, recover and destroy message stores (file I/O), so
    /// that a store is never opened while another declare opens or a delete destroys the same one. Taken before
    /// `registry`, never while holding it (lock order: docs/architecture.md).
    private let declarations = Lock(())

    /// The exchanges every vhost has (AMQP 0-9-1 §3.1.3.1, plus `mqtt.default`, design §4).
    public static let defaultExchanges: [(ByteString, ExchangeType)] = [
        ("", .direct), ("amq.direct", .direct), ("amq.fanout", .fanout), ("amq.topic", .topic),
        ("amq.headers", .headers), ("amq.match", .headers), ("mqtt.default", .mqtt),
    ]

    /// Creates a vhost with its default exchanges.
    public init(name: String, scheduler: any BrokerScheduler, storage: MessageStorage? = nil) {
        self.name = name
        self.scheduler = scheduler
        self.storage = storage
        var retained = RetainedMessages()
        if let storage {
            do { retained = try storage.openRetained(vhost: name) } catch {
                Logger(label: "storage").error(
                    "retained messages of vhost '\(name)' are kept in memory only: cannot open their log: \(error)")
            }
        }
        self.retained = retained
        var sessions = MQTTSessionStates()
        if let storage {
            do { sessions = try storage.openMQTTSessions(vhost: name) } catch {
                Logger(label: "storage").error(
                    "MQTT session state of vhost '\(name)' is kept in memory only: cannot open its log: \(error)")
            }
        }
        mqttSessions = sessions
        registry.withLock { r in
            for (n, t) in Self.defaultExchanges {
                r.exchanges[n] = Exchange(
                    name: n, type: t, durable: true, autoDelete: false, isInternal: false, arguments: FieldTable())
            }
        }
    }

    // MARK: - Lookup

    /// The exchange called `name`.
    public func exchange(named name: ByteString) -> Exchange? { registry.withLock { $0.exchanges[name] } }

    /// The queue called `name`.
    public func queue(named name: ByteString) -> Queue? { registry.withLock { $0.queues[name] } }

    /// Every exchange, sorted by name.
    public var exchanges: [Exchange] { registry.withLock { Array($0.exchanges.values) }.sorted { $0.name < $1.name } }

    /// Every queue, sorted by name.
    public var queues: [Queue] { registry.withLock { Array($0.queues.values) }.sorted { $0.name < $1.name } }

    /// True for names clients may not declare or delete: the default exchanges and `amq.` names.
    public static func isReservedExchangeName(_ name: ByteString) -> Bool {
        name.isEmpty || name.hasPrefix("amq.") || name == "mqtt.default"
    }

    // MARK: - Exchanges

    /// Declares an exchange, or checks that an existing one has the same type and flags.
    public func declareExchange(
        name: ByteString, type typeName: String, durable: Bool, autoDelete: Bool, isInternal: Bool,
        arguments: FieldTable
    ) throws(BrokerError) -> Exchange {
        guard let type = ExchangeType(rawValue: typeName) else {
            throw BrokerError(.commandInvalid, "invalid exchange type '\(typeName)'")
        }
        return try registry.withLock { (r: inout Registry) throws(BrokerError) -> Exchange in
            if let e = r.exchanges[name] {
                guard e.type == type, e.durable == durable, e.autoDelete == autoDelete, e.isInternal == isInternal,
                    e.arguments == arguments || Self.isReservedExchangeName(name)
                else {
                    throw BrokerError(
                        .preconditionFailed,
                        "inequivalent arg 'type' or flags for exchange '\(name)' in vhost '\(self.name)': "
                            + "received '\(typeName)' but current is '\(e.type.rawValue)'")
                }
                return e
            }
            let e = Exchange(
                name: name, type: type, durable: durable, autoDelete: autoDelete, isInternal: isInternal,
                arguments: arguments)
            r.exchanges[name] = e
            if durable { definitionsChanged() }
            return e
        }
    }

    // MARK: - Policies

    /// The policies, sorted by name.
    public var policies: [Policy] { policyStore.withLock { Array($0.values) }.sorted { $0.name < $1.name } }

    /// Adds or replaces a policy (checked first) and applies it to the live queues. Policies are durable.
    public func setPolicy(_ policy: Policy) throws(BrokerError) {
        try policy.validate()
        policyStore.withLock { $0[policy.name] = policy }
        definitionsChanged()
        applyPolicies()
    }

    /// Removes the policy `name`; its queues go back to their own arguments (or the next matching policy).
    @discardableResult public func deletePolicy(named name: String) -> Bool {
        guard policyStore.withLock({ $0.removeValue(forKey: name) }) != nil else { return false }
        definitionsChanged()
        applyPolicies()
        return true
    }

    /// The queue keys of the policy that applies to the queue `name`: the highest priority among those that match,
    /// ties to the name that sorts first.
    func policyDefinition(forQueue name: ByteString) -> FieldTable? {
        policies.filter { $0.matches(queue: name) }
            .min { $0.priority != $1.priority ? $0.priority > $1.priority : $0.name < $1.name }?.queueDefinition
    }

    /// The limits of the queue `name` with `arguments` (validated as `own`) under the matching policy. A policy whose
    /// keys do not combine with the arguments (a dead-letter routing key without any dead-letter exchange) is left out.
    private func effectiveLimits(_ name: ByteString, arguments: FieldTable, own: QueueArguments) -> QueueArguments {
        (try? QueueArguments(arguments: arguments, policy: policyDefinition(forQueue: name))) ?? own
    }

    /// Recomputes every queue's limits after a policy change.
    private func applyPolicies() {
        for q in queues {
            guard let own = try? QueueArguments(q.arguments) else { continue }
            let limits = effectiveLimits(q.name, arguments: q.arguments, own: own)
            if limits != q.limits { q.setLimits(limits) }
        }
    }

    /// Durable definitions changed: have the storage write a new snapshot.
    private func definitionsChanged() {
        storage?.coordinator.markDefinitionsChanged()
    }

    /// Deletes an exchange and every binding to and from it.
    public func deleteExchange(name: ByteString, ifUnused: Bool) throws(BrokerError) {
        let removed = try registry.withLock { (r: inout Registry) throws(BrokerError) -> Exchange in
            guard let e = r.exchanges[name] else {
                throw BrokerError(.notFound, "no exchange '\(name)' in vhost '\(self.name)'")
            }
            if ifUnused && e.bindingCount > 0 {
                throw BrokerError(.preconditionFailed, "exchange '\(name)' in vhost '\(self.name)' in use")
            }
            r.exchanges[name] = nil
            return e
        }
        removed.markDeleted()
        detach(.exchange(removed))
        if removed.durable { definitionsChanged() }
    }

    // MARK: - Queues

    /// Declares a queue, or checks that an existing one is equivalent and not exclusive to another connection.
    /// Returns the queue and whether it was created now.
    ///
    /// Creating a durable queue opens and recovers its message store (file I/O) under the `declarations` lock
    /// only, never under the registry lock that every publish's lookups take; its recovered messages expire
    /// after it is registered and no lock is held (dead-lettering publishes through this vhost).
    public func declareQueue(
        name: ByteString, durable: Bool, exclusiveOwner: UInt64?, autoDelete: Bool, arguments: FieldTable,
        connection: UInt64, dropsQoS0WithoutConsumers: Bool = false
    ) throws(BrokerError) -> (queue: Queue, created: Bool) {
        let limits = try QueueArguments(arguments)
        if let existing = try existingQueue(
            name, durable: durable, exclusiveOwner: exclusiveOwner, autoDelete: autoDelete, limits: limits,
            connection: connection)
        {
            existing.touch()
            return (queue: existing, created: false)
        }
        let (queue, created, recovered) = try declarations.withLock {
            (_: inout Void) throws(BrokerError) -> (Queue, Bool, Bool) in
            // Another declare of the same name may have won while this one waited for the lock.
            if let existing = try existingQueue(
                name, durable: durable, exclusiveOwner: exclusiveOwner, autoDelete: autoDelete, limits: limits,
                connection: connection)
            {
                return (existing, false, false)
            }
            var store: any QueueStore = InMemoryQueueStore()
            var recovered: [RecoveredEntry] = []
            if durable, let storage = self.storage {
                do {
                    let durableStore = try storage.openStore(vhost: self.name, queue: name)
                    recovered = try durableStore.recover()
                    store = durableStore
                } catch {
                    throw BrokerError(.resourceError, "cannot open the message store of queue '\(name)': \(error)")
                }
            }
            let effective = effectiveLimits(name, arguments: arguments, own: limits)
            let q = Queue(
                name: name, vhost: self, durable: durable, autoDelete: autoDelete, exclusiveOwner: exclusiveOwner,
                arguments: arguments, limits: effective, store: store,
                dropsQoS0WithoutConsumers: dropsQoS0WithoutConsumers, coordinator: storage?.coordinator)
            q.restore(recovered)
            registry.withLock { $0.queues[name] = q }
            if durable { definitionsChanged() }
            return (q, true, !recovered.isEmpty)
        }
        if !created {
            queue.touch()
            return (queue: queue, created: false)
        }
        if recovered, let storage { storage.recovery.expireWhenOpen(queue) }
        queue.scheduleExpiresCheck()
        return (queue: queue, created: true)
    }

    /// The registered queue called `name` after checking that a declare with these flags may use it; nil when
    /// there is none.
    private func existingQueue(
        _ name: ByteString, durable: Bool, exclusiveOwner: UInt64?, autoDelete: Bool, limits: QueueArguments,
        connection: UInt64
    ) throws(BrokerError) -> Queue? {
        guard let q = queue(named: name) else { return nil }
        try Self.checkExclusive(q, connection: connection, vhost: self.name)
        guard q.durable == durable, q.autoDelete == autoDelete, (q.exclusiveOwner != nil) == (exclusiveOwner != nil)
        else {
            throw BrokerError(
                .preconditionFailed,
                "inequivalent arg 'durable', 'exclusive' or 'auto_delete' for queue '\(name)' in vhost '\(self.name)'")
        }
        guard (try? QueueArguments(q.arguments)) == limits else {
            throw BrokerError(.preconditionFailed, "inequivalent arguments for queue '\(name)' in vhost '\(self.name)'")
        }
        return q
    }

    /// Throws 405 when `queue` is exclusive to a connection other than `connection`.
    public static func checkExclusive(_ queue: Queue, connection: UInt64, vhost: String) throws(BrokerError) {
        if let owner = queue.exclusiveOwner, owner != connection {
            throw BrokerError(
                .resourceLocked,
                "cannot obtain exclusive access to locked queue '\(queue.name)' in vhost '\(vhost)'. It could be "
                    + "originally declared on another connection or the exclusive property value does not match "
                    + "that of the original declaration.")
        }
    }

    /// Deletes a queue by name; returns the number of ready messages it held.
    public func deleteQueue(name: ByteString, ifUnused: Bool, ifEmpty: Bool, connection: UInt64) throws(BrokerError)
        -> Int
    {
        try declarations.withLock { (_: inout Void) throws(BrokerError) -> Int in
            try deleteQueueDeclarationsLocked(name: name, ifUnused: ifUnused, ifEmpty: ifEmpty, connection: connection)
        }
    }

    private func deleteQueueDeclarationsLocked(name: ByteString, ifUnused: Bool, ifEmpty: Bool, connection: UInt64)
        throws(BrokerError) -> Int
    {
        let q = try registry.withLock { (r: inout Registry) throws(BrokerError) -> Queue in
            guard let q = r.queues[name] else {
                throw BrokerError(.notFound, "no queue '\(name)' in vhost '\(self.name)'")
            }
            try Self.checkExclusive(q, connection: connection, vhost: self.name)
            if ifUnused && q.consumerCount > 0 {
                throw BrokerError(.preconditionFailed, "queue '\(name)' in vhost '\(self.name)' in use")
            }
            if ifEmpty && q.messageCount > 0 {
                throw BrokerError(.preconditionFailed, "queue '\(name)' in vhost '\(self.name)' is not empty")
            }
            r.queues[name] = nil
            return q
        }
        detach(.queue(q))
        if q.durable { definitionsChanged() }
        return q.markDeleted()
    }

    /// Removes a queue the core decided to delete (auto-delete, x-expires, exclusive owner gone).
    func removeQueue(_ q: Queue) {
        declarations.withLock { _ in
            let removed = registry.withLock { r -> Bool in
                guard r.queues[q.name] === q else { return false }
                r.queues[q.name] = nil
                return true
            }
            guard removed else { return }
            detach(.queue(q))
            if q.durable { definitionsChanged() }
            _ = q.markDeleted()
        }
    }

    /// Deletes the exclusive queues of a closed connection.
    public func deleteExclusiveQueues(owner: UInt64) {
        let owned = registry.withLock { r in r.queues.values.filter { $0.exclusiveOwner == owner } }
        for q in owned { removeQueue(q) }
    }

    /// Removes every binding leading to `d`, and deletes auto-delete exchanges left without bindings.
    private func detach(_ d: Destination) {
        var emptied: [Exchange] = []
        for e in exchanges {
            let (n, nowEmpty) = e.unbindAll(d)
            if n > 0 && nowEmpty && e.autoDelete { emptied.append(e) }
        }
        for e in emptied { try? deleteExchange(name: e.name, ifUnused: true) }
    }

    // MARK: - Bindings

    /// Binds `destination` to the exchange `source` with `key`. Idempotent.
    /// The default exchange can be neither source nor destination: it routes by queue name only (RabbitMQ: 403).
    public func bind(_ destination: Destination, to source: ByteString, key: ByteString, arguments: FieldTable)
        throws(BrokerError)
    {
        guard let e = exchange(named: source) else {
            throw BrokerError(.notFound, "no exchange '\(source)' in vhost '\(name)'")
        }
        if source.isEmpty {
            throw BrokerError(.accessRefused, "operation not permitted on the default exchange")
        }
        if case .exchange(let d) = destination, d.name.isEmpty {
            throw BrokerError(.accessRefused, "operation not permitted on the default exchange")
        }
        if e.bind(destination, key: key, arguments: arguments) && e.durable && destination.isDurable {
            definitionsChanged()
        }
    }

    /// Removes a binding. Unbinding something that was never bound succeeds, as in RabbitMQ.
    public func unbind(_ destination: Destination, from source: ByteString, key: ByteString, arguments: FieldTable)
        throws(BrokerError)
    {
        guard let e = exchange(named: source) else {
            throw BrokerError(.notFound, "no exchange '\(source)' in vhost '\(name)'")
        }
        if source.isEmpty {
            throw BrokerError(.accessRefused, "operation not permitted on the default exchange")
        }
        let (removed, nowEmpty) = e.unbind(destination, key: key, arguments: arguments)
        if removed && e.durable && destination.isDurable { definitionsChanged() }
        if removed && nowEmpty && e.autoDelete { try? deleteExchange(name: e.name, ifUnused: true) }
    }

    /// Removes every binding from `source` to `destination` with `key`, whatever its arguments (an MQTT
    /// subscription is replaced or removed by filter alone, and arguments restored from disk may differ in type).
    /// Returns how many there were.
    @discardableResult
    public func unbindAll(_ destination: Destination, from source: ByteString, key: ByteString) throws(BrokerError) -> Int {
        guard let e = exchange(named: source) else {
            throw BrokerError(.notFound, "no exchange '\(source)' in vhost '\(name)'")
        }
        var removed = 0
        for b in e.bindings where b.destination == destination && b.key == key {
            try unbind(destination, from: source, key: key, arguments: b.arguments)
            removed += 1
        }
        return removed
    }

    /// Every binding in the vhost, as (source exchange, binding).
    public var bindings: [(source: Exchange, binding: RoutingBinding<Destination>)] {
        exchanges.flatMap { e in e.bindings.map { (source: e, binding: $0) } }
    }

    // MARK: - Publishing

    /// The outcome of one publish.
    public struct PublishResult: Sendable {
        /// Queues that accepted the message.
        public var enqueued = 0
        /// Queues that refused it (x-overflow reject-publish).
        public var rejected = 0
        /// True when the exchange did not exist.
        public var exchangeMissing = false

        /// The sync generation after which every copy written to disk is durable; 0 when none was written.
        public var syncGeneration: UInt64 = 0

        /// A queue that took the message and is overloaded (`Queue.isOverloaded`): the publisher should pause.
        public var overloaded: Queue?

        mutating func add(_ r: Queue.EnqueueResult) {
            switch r {
            case .enqueued: enqueued += 1
            case .stored(let g):
                enqueued += 1
                syncGeneration = max(syncGeneration, g)
            case .rejected: rejected += 1
            case .deleted: break
            }
        }

        /// Nothing routed.
        public init(enqueued: Int = 0, rejected: Int = 0, exchangeMissing: Bool = false) {
            self.enqueued = enqueued
            self.rejected = rejected
            self.exchangeMissing = exchangeMissing
        }
    }

    /// Routes `message` from the exchange named `exchangeName` and enqueues it in every matching queue.
    public func publish(_ message: Message, to exchangeName: ByteString, mandatory: Bool) -> PublishResult {
        var targets = RouteTargets<Destination>()
        guard let e = exchange(named: exchangeName) else { return PublishResult(exchangeMissing: true) }
        return publish(message, through: e, targets: &targets)
    }

    /// Routes `message` through `exchange` (following exchange-to-exchange bindings) and enqueues it, except into
    /// `excluded` (an MQTT 5 publisher's own session queue when its matching subscriptions are all "no local").
    /// `targets` is caller-owned scratch space, reused across publishes to avoid an allocation per message. It
    /// also keeps the last route: the next message with the same routing key through the same exchange, whose
    /// bindings did not change since (`Exchange.routingGeneration`), reuses it without matching. Only routes that
    /// depend on nothing but the key are kept: none through a headers exchange or an exchange-to-exchange binding.
    public func publish(
        _ message: Message, through exchange: Exchange, targets: inout RouteTargets<Destination>,
        excluding excluded: Queue? = nil
    ) -> PublishResult {
        let generation = exchange.routingGeneration
        if !targets.holdsRoute(of: exchange, generation: generation, key: message.routingKey) {
            targets.removeAll()
            route(message, through: exchange, into: &targets)
            if exchange.type != .headers && !exchange.name.isEmpty && targets.allSatisfy({ $0.destination.isQueue }) {
                targets.remember(source: exchange, generation: generation, key: message.routingKey)
            }
        }
        var result = PublishResult()
        for i in 0..<targets.count {
            guard case .queue(let q) = targets[i].destination, q !== excluded else { continue }
            result.add(q.enqueue(message, qos: targets[i].qos))
            if q.isOverloaded { result.overloaded = q }
        }
        return result
    }

    /// Enqueues `message` in one queue (the default exchange's route, when the caller already holds the queue).
    public func publish(_ message: Message, directlyTo queue: Queue) -> PublishResult {
        var result = PublishResult()
        result.add(queue.enqueue(message))
        if queue.isOverloaded { result.overloaded = queue }
        return result
    }

    /// Collects the destinations of `message` from `exchange`, following exchange-to-exchange bindings once each.
    public func route(_ message: Message, through exchange: Exchange, into targets: inout RouteTargets<Destination>) {
        let headers = message.properties.headers
        if exchange.name.isEmpty {
            if let q = queue(named: message.routingKey) { targets.insert(.queue(q), qos: 0) }
            return
        }
        exchange.route(key: message.routingKey, headers: headers, into: &targets)
        var i = 0
        while i < targets.count {
            if case .exchange(let next) = targets[i].destination, next !== exchange {
                next.route(key: message.routingKey, headers: headers, into: &targets)
            }
            i += 1
        }
    }
}
