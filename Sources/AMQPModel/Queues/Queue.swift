import AMQPValues
import Clocks
import Locks
import Storage
import Synchronization

/// A queue: ready messages in order, the consumers subscribed to it, and its limits.
///
/// Thread-safe: any loop thread may publish to it, and its consumers live on their own loops.
/// All state sits behind one lock held only for short, allocation-free steps; work that reaches
/// other objects (dead-lettering, consumer notification, auto-delete) runs after the lock is released.
/// Messages are handed to consumers round-robin as credit allows, into per-consumer pending lists
/// that each consumer drains on its own thread (`takePending`).
public final class Queue: @unchecked Sendable, Hashable, SyncParticipant {
    // Stored properties are ordered by size so the object packs without padding (one per queue, and every MQTT
    // session has one).
    /// Queue name.
    public let name: ByteString
    /// The connection that owns an exclusive queue.
    public let exclusiveOwner: UInt64?
    /// The declare arguments as given.
    public let arguments: FieldTable
    /// Makes this queue's records durable (durable queues only).
    let coordinator: SyncCoordinator?
    weak var vhost: VHost?

    private let state: Lock<State>
    static let logger = Logger(label: "queue")
    /// Survives a restart.
    public let durable: Bool
    /// Deleted when its last consumer goes.
    public let autoDelete: Bool
    /// Messages that would be delivered at QoS 0 are dropped while no consumer is subscribed
    /// (an offline MQTT session, unless `[mqtt] queue_qos0_offline`).
    public let dropsQoS0WithoutConsumers: Bool
    /// True when the store keeps records that must be settled as messages leave (a durable queue).
    public let keepsRecords: Bool
    /// Mirrors `State.deleted` so publishers holding a cached reference can check it without the lock.
    private let deletedFlag = Atomic<Bool>(false)
    /// Mirrors `State.flow.overloaded`, read by publishers after every enqueue without the lock.
    private let overloadedFlag = Atomic<Bool>(false)

    struct Slot {
        let handle: ConsumerHandle
        var pending: [QueueEntry] = []
    }

    /// Message counters, a box of their own so a queue that never had a message (an idle MQTT session's) carries
    /// one pointer for them. Only touched under the queue's lock, so the per-message increments skip Swift's
    /// dynamic exclusivity checks.
    final class Counters {
        @exclusivity(unchecked) var published = 0
        @exclusivity(unchecked) var delivered = 0
        @exclusivity(unchecked) var redelivered = 0
        @exclusivity(unchecked) var acknowledged = 0
        @exclusivity(unchecked) var dropped = 0

        var stats: QueueStats {
            var s = QueueStats()
            s.published = published
            s.delivered = delivered
            s.redelivered = redelivered
            s.acknowledged = acknowledged
            s.dropped = dropped
            return s
        }
    }

    // Ordered by size so the state packs without padding (one per queue).
    struct State {
        var store: any QueueStore
        var slots: [Slot] = []
        var nextSlot = 0
        var nextSequence: UInt64 = 0
        var unacked = 0
        var lastUsed: Int64
        var expiryTimerAt = Int64.max
        /// The limits in force: the `x-` arguments over the vhost's matching policy, boxed (most queues, every MQTT
        /// session among them, have none and share one box). A policy change swaps the box.
        var limits: QueueArguments.Box
        /// Made with the first counted message (`count`).
        var counters: Counters?
        var deleted = false
        var hadConsumer = false
        /// An x-expires check is scheduled; it re-arms itself while the queue is unused, so one is enough.
        var expiresCheckArmed = false
        var flow = QueueFlow()

        /// Makes the message counters on first use; increments then go through `counters?` in place (no
        /// reference is copied out, so none is retained per message).
        mutating func makeCounters() {
            if counters == nil { counters = Counters() }
        }
    }

    /// Creates a queue; use `VHost.declareQueue`, which validates the arguments and registers it.
    init(
        name: ByteString, vhost: VHost, durable: Bool, autoDelete: Bool, exclusiveOwner: UInt64?,
        arguments: FieldTable, limits: QueueArguments, store: any QueueStore, dropsQoS0WithoutConsumers: Bool = false,
        coordinator: SyncCoordinator? = nil
    ) {
        self.coordinator = coordinator
        self.keepsRecords = store.keepsRecords
        self.dropsQoS0WithoutConsumers = dropsQoS0WithoutConsumers
        self.name = name
        self.vhost = vhost
        self.durable = durable
        self.autoDelete = autoDelete
        self.exclusiveOwner = exclusiveOwner
        self.arguments = arguments
        self.state = Lock(
            State(store: store, lastUsed: MonotonicClock.milliseconds(), limits: QueueArguments.Box.holding(limits)))
    }

    /// The consumers subscribed now (for the management plane).
    public var consumers: [ConsumerHandle] { state.withLock { $0.slots.map(\.handle) } }

    /// The message counters since the queue was created.
    public var stats: QueueStats { state.withLock { $0.counters?.stats ?? QueueStats() } }

    /// The limits in force: the validated `x-` arguments over the vhost's matching policy.
    public var limits: QueueArguments { state.withLock { $0.limits.value } }

    /// A policy changed the limits in force: they apply from now on, and a lower max-length or max-length-bytes
    /// drops (dead-letters) the oldest ready messages at once, as in RabbitMQ.
    func setLimits(_ limits: QueueArguments) {
        var dropped: [QueueEntry] = []
        state.withLock { s in
            s.limits = QueueArguments.Box.holding(limits)
            if limits.overflow == .dropHead { dropOverflow(&s, into: &dropped) }
        }
        if !dropped.isEmpty { discard(dropped, reason: "maxlen") }
        scheduleExpiresCheck()
    }

    /// Changes the x-expires in force without changing the declared arguments: an MQTT 5 session's queue lives
    /// `milliseconds` after its client disconnects (nil: until the session is ended). A policy change recomputes
    /// the limits from the arguments and policies, and a restart starts from the declared value until the session's
    /// client connects again.
    public func setExpires(_ milliseconds: Int64?) {
        var l = limits
        guard l.expires != milliseconds else { return }
        l.expires = milliseconds
        setLimits(l)
    }

    /// Vhost name (for log lines and errors; empty once the vhost is gone).
    public var vhostName: String { vhost?.name ?? "" }

    public static func == (lhs: Queue, rhs: Queue) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    // MARK: - Counters

    /// Ready messages (what queue.declare-ok reports).
    public var messageCount: Int { state.withLock { $0.store.count } }
    /// Delivered but not yet acknowledged, plus assigned and not yet written. `unacked` already counts what
    /// ack-mode consumers have pending; only the pending messages of no-ack consumers are added.
    public var unackedCount: Int {
        state.withLock { s in s.unacked + s.slots.reduce(0) { $0 + ($1.handle.noAck ? $1.pending.count : 0) } }
    }
    /// Subscribed consumers.
    public var consumerCount: Int { state.withLock { $0.slots.count } }
    /// Ready body bytes.
    public var messageBytes: Int { state.withLock { $0.store.byteCount } }
    /// True once deleted.
    public var isDeleted: Bool { deletedFlag.load(ordering: .relaxed) }

    // MARK: - Publisher flow control

    /// True while the consumers do not keep up and publishers should pause (see `QueueFlow`). One atomic load;
    /// it may stay true a little after the backlog drained, until a throttled publisher calls `recheckOverload`.
    public var isOverloaded: Bool { overloadedFlag.load(ordering: .relaxed) }

    /// Re-evaluates the overload under the lock (called by throttled publishers while they wait); true while
    /// still overloaded.
    public func recheckOverload() -> Bool {
        state.withLock { s in
            if s.flow.recheck(
                count: s.store.count, bytes: s.store.byteCount, hasConsumers: !s.slots.isEmpty, deleted: s.deleted)
            {
                overloadedFlag.store(false, ordering: .relaxed)
            }
            return s.flow.overloaded
        }
    }

    // MARK: - Publishing

    /// Outcome of offering a message to the queue.
    public enum EnqueueResult: Sendable, Equatable {
        /// Accepted.
        case enqueued
        /// Accepted and written to the message store: durable once `generation` is synced.
        case stored(generation: UInt64)
        /// Refused by `x-overflow = reject-publish` (the publisher gets a nack).
        case rejected
        /// The queue was deleted meanwhile.
        case deleted
    }

    /// Offers a message. Applies TTL and length limits, then hands it to a consumer with credit or keeps it ready.
    /// `qos` is the routing's subscription QoS for MQTT session queues (see `QueueEntry.qos`).
    public func enqueue(_ message: Message, qos: UInt8 = 0) -> EnqueueResult {
        let messageTTL = message.properties.expirationMilliseconds
        // The clock is read only when a TTL applies (most messages have none).
        var now: Int64 = 0
        var expiresAt = Int64.max
        var notify: ConsumerHandle?
        var dropped: [QueueEntry] = []
        var timerAt: Int64?
        var writeError: (any Error)?
        var stored = false
        let result: EnqueueResult = state.withLock { s in
            if s.deleted { return .deleted }
            let limits = s.limits.value
            if messageTTL != nil || limits.messageTTL != nil {
                now = MonotonicClock.milliseconds()
                if let ttl = messageTTL { expiresAt = now &+ ttl }
                if let ttl = limits.messageTTL { expiresAt = Swift.min(expiresAt, now &+ ttl) }
            }
            if limits.overflow == .rejectPublish && wouldOverflow(s, adding: message.bodySize) { return .rejected }
            if dropsQoS0WithoutConsumers && s.slots.isEmpty && min(qos, message.mqttPublishQoS) == 0 {
                return .enqueued
            }
            var entry = QueueEntry(message: message, sequence: s.nextSequence, expiresAt: expiresAt, qos: qos)
            if keepsRecords {
                do { entry = try s.store.persist(entry) } catch {
                    writeError = error
                    return .rejected
                }
            }
            s.nextSequence &+= 1
            s.makeCounters()
            s.counters?.published += 1
            if s.store.count == 0, let i = assignableSlot(&s) {
                s.counters?.delivered += 1
                if s.slots[i].pending.isEmpty { notify = s.slots[i].handle }
                if !s.slots[i].handle.noAck { s.unacked += 1 }
                stored = entry.position != nil
                s.slots[i].pending.append(entry)
                return .enqueued
            }
            stored = entry.position != nil
            s.store.append(entry)
            if limits.overflow == .dropHead { dropOverflow(&s, into: &dropped) }
            if s.flow.added(count: s.store.count, bytes: s.store.byteCount, hasConsumers: !s.slots.isEmpty) {
                overloadedFlag.store(true, ordering: .relaxed)
            }
            if expiresAt != .max && expiresAt < s.expiryTimerAt {
                s.expiryTimerAt = expiresAt
                timerAt = expiresAt
            }
            return .enqueued
        }
        if let writeError {
            Self.logger.error("queue '\(name)' in vhost '\(vhostName)' refused a message: \(writeError)")
        }
        if let notify { notify.consumer.pendingAvailable(notify) }
        if !dropped.isEmpty { discard(dropped, reason: "maxlen") }
        if let timerAt { scheduleExpiry(at: timerAt, now: now) }
        if stored, let coordinator { return .stored(generation: coordinator.markDirty(self)) }
        return result
    }

    private func wouldOverflow(_ s: State, adding bytes: Int) -> Bool {
        let limits = s.limits.value
        if let max = limits.maxLength, s.store.count >= max { return true }
        if let max = limits.maxLengthBytes, s.store.byteCount + bytes > max { return true }
        return false
    }

    private func dropOverflow(_ s: inout State, into dropped: inout [QueueEntry]) {
        let limits = s.limits.value
        while (limits.maxLength.map { s.store.count > $0 } ?? false)
            || (limits.maxLengthBytes.map { s.store.byteCount > $0 } ?? false)
        {
            guard let e = s.store.removeFirst() else { break }
            dropped.append(e)
        }
    }

    /// Index of the next consumer (round-robin) that can take a message now, with its credit taken.
    private func assignableSlot(_ s: inout State) -> Int? {
        let n = s.slots.count
        guard n > 0 else { return nil }
        if let i = slotWithCredit(&s) { return i }
        // None has credit: flag every consumer, then look once more. Credit returned meanwhile is either seen by
        // this second look or sees the flag (`ConsumerHandle.creditReturned`), so no message waits for credit
        // that was already returned.
        for i in 0..<n { s.slots[i].handle.markStarved() }
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        return slotWithCredit(&s)
    }

    private func slotWithCredit(_ s: inout State) -> Int? {
        let n = s.slots.count
        for step in 0..<n {
            let i = (s.nextSlot + step) % n
            if s.slots[i].handle.tryAcquireCredit() {
                s.nextSlot = (i + 1) % n
                return i
            }
        }
        return nil
    }

    /// Puts messages recovered from the message store back as ready, flagged redelivered (a restart counts as
    /// a delivery attempt), with the subscription QoS and expiry their entries had (expiry kept as Unix time, so
    /// downtime counts). Records from before those were kept take the publish QoS, and their TTLs start again from
    /// now. Nothing expires here: the vhost calls `expireHead` once the queue is registered and no lock is held
    /// (`RecoveryGate`).
    func restore(_ recovered: [RecoveredEntry]) {
        guard !recovered.isEmpty else { return }
        let now = MonotonicClock.milliseconds()
        let unixNow = MonotonicClock.unixMilliseconds()
        state.withLock { s in
            s.makeCounters()
            let ttl = s.limits.value.messageTTL
            for r in recovered {
                let m = r.message
                var expiresAt = Int64.max
                if let unix = r.expiresAtUnix {
                    if unix != .max { expiresAt = now &+ (unix &- unixNow) }
                } else {
                    if let ttl { expiresAt = now &+ ttl }
                    if let ttl = m.properties.expirationMilliseconds { expiresAt = Swift.min(expiresAt, now &+ ttl) }
                }
                var e = QueueEntry(
                    message: m, sequence: s.nextSequence, expiresAt: expiresAt, redelivered: true,
                    qos: r.qos ?? m.mqttPublishQoS)
                e.position = r.position
                s.nextSequence &+= 1
                s.store.append(e)
            }
        }
    }

    // MARK: - Consumers

    /// Subscribes a consumer and hands it ready messages as its credit allows.
    public func addConsumer(_ handle: ConsumerHandle) throws(BrokerError) {
        var notify: [ConsumerHandle] = []
        var expired: [QueueEntry] = []
        var expiry: Int64?
        try state.withLock { (s: inout State) throws(BrokerError) in
            if s.deleted { throw BrokerError(.notFound, "queue '\(name)' in vhost '\(vhostName)' was deleted") }
            if s.slots.contains(where: { $0.handle.exclusive }) {
                throw BrokerError(
                    .accessRefused, "queue '\(name)' in vhost '\(vhostName)' in exclusive use")
            }
            if handle.exclusive && !s.slots.isEmpty {
                throw BrokerError(
                    .accessRefused, "cannot obtain exclusive access to queue '\(name)' in vhost '\(vhostName)'")
            }
            s.slots.append(Slot(handle: handle))
            s.hadConsumer = true
            fill(&s, notify: &notify, expired: &expired, expiry: &expiry)
        }
        finish(notify: notify, expired: expired, expiry: expiry)
    }

    /// Unsubscribes a consumer. Messages assigned to it but not yet taken go back to the front of the queue.
    /// Deletes an auto-delete queue that lost its last consumer.
    public func removeConsumer(_ handle: ConsumerHandle) {
        var notify: [ConsumerHandle] = []
        var expired: [QueueEntry] = []
        var expiry: Int64?
        let autoDeleteNow: Bool = state.withLock { s in
            guard let i = s.slots.firstIndex(where: { $0.handle === handle }) else { return false }
            let slot = s.slots.remove(at: i)
            if s.nextSlot > i { s.nextSlot -= 1 }
            if s.nextSlot >= s.slots.count { s.nextSlot = 0 }
            if !slot.pending.isEmpty {
                if !handle.noAck { s.unacked -= slot.pending.count }
                handle.releaseCredit(slot.pending.count)
                handle.releaseWindow(slot.pending.count)
                s.store.returnToFront(slot.pending)
            }
            s.lastUsed = MonotonicClock.milliseconds()
            fill(&s, notify: &notify, expired: &expired, expiry: &expiry)
            return autoDelete && s.hadConsumer && s.slots.isEmpty && !s.deleted
        }
        finish(notify: notify, expired: expired, expiry: expiry)
        if autoDeleteNow {
            vhost?.removeQueue(self)
        } else {
            scheduleExpiresCheck()
        }
    }

    /// Moves the messages assigned to `handle` into `batch` (which should be empty) for delivery on the consumer's thread.
    /// A message assigned to a consumer counts as delivered: it no longer expires.
    public func takePending(for handle: ConsumerHandle, into batch: inout [QueueEntry]) {
        state.withLock { s in
            guard let i = s.slots.firstIndex(where: { $0.handle === handle }) else { return }
            swap(&batch, &s.slots[i].pending)
            // A no-ack delivery is settled once it is handed over for writing.
            if handle.noAck && keepsRecords { for e in batch { s.store.settle(e) } }
        }
        if handle.noAck && !batch.isEmpty { recordsSettled() }
    }

    /// Credit was returned (acks, qos change): hand ready messages to consumers that can take them.
    public func creditAvailable() {
        var notify: [ConsumerHandle] = []
        var expired: [QueueEntry] = []
        var expiry: Int64?
        state.withLock { s in fill(&s, notify: &notify, expired: &expired, expiry: &expiry) }
        finish(notify: notify, expired: expired, expiry: expiry)
    }

    private func fill(
        _ s: inout State, notify: inout [ConsumerHandle], expired: inout [QueueEntry], expiry: inout Int64?
    ) {
        defer { expiry = armHeadExpiry(&s) }
        guard !s.slots.isEmpty, s.store.count > 0 else { return }
        let now = MonotonicClock.milliseconds()
        while let head = s.store.first {
            if head.expiresAt <= now {
                _ = s.store.removeFirst()
                expired.append(head)
                continue
            }
            guard let i = assignableSlot(&s) else { break }
            let entry = s.store.removeFirst()!
            s.counters?.delivered += 1
            if entry.redelivered { s.counters?.redelivered += 1 }
            if s.slots[i].pending.isEmpty { notify.append(s.slots[i].handle) }
            if !s.slots[i].handle.noAck { s.unacked += 1 }
            s.slots[i].pending.append(entry)
        }
    }

    private func finish(notify: [ConsumerHandle], expired: [QueueEntry], expiry: Int64?) {
        for h in notify { h.consumer.pendingAvailable(h) }
        if !expired.isEmpty { discard(expired, reason: "expired") }
        if let expiry { scheduleExpiry(at: expiry, now: MonotonicClock.milliseconds()) }
    }

    /// The head changed (taken, requeued): when it expires before the armed timer, or no timer is armed
    /// (the last one found a head that never expires), arm one for it. Returns when to schedule it.
    private func armHeadExpiry(_ s: inout State) -> Int64? {
        guard let head = s.store.first, head.expiresAt != .max, head.expiresAt < s.expiryTimerAt else { return nil }
        s.expiryTimerAt = head.expiresAt
        return head.expiresAt
    }

    // MARK: - Settlement

    /// `count` delivered messages were acknowledged (queues that keep no records: see `keepsRecords`).
    public func acknowledged(count: Int) {
        state.withLock { s in
            s.unacked -= count
            s.counters?.acknowledged += count
        }
    }

    /// Delivered messages were acknowledged: their records are settled.
    public func acknowledged(_ entries: [QueueEntry]) {
        state.withLock { s in
            s.unacked -= entries.count
            s.counters?.acknowledged += entries.count
            for e in entries { s.store.settle(e) }
        }
        recordsSettled()
    }

    /// Settled records go to disk with the next sync round (acks need no confirm, but must not stay buffered).
    private func recordsSettled() {
        if keepsRecords, let coordinator { _ = coordinator.markDirty(self) }
    }

    /// Delivered messages go back to the front of the queue in their original order, flagged redelivered.
    public func requeue(_ entries: [QueueEntry]) {
        guard !entries.isEmpty else { return }
        var notify: [ConsumerHandle] = []
        var expired: [QueueEntry] = []
        var expiry: Int64?
        state.withLock { s in
            s.unacked -= entries.count
            guard !s.deleted else { return }
            s.store.returnToFront(
                entries.map {
                    var e = $0; e.redelivered = true; return e
                })
            fill(&s, notify: &notify, expired: &expired, expiry: &expiry)
        }
        finish(notify: notify, expired: expired, expiry: expiry)
    }

    /// Delivered messages were rejected without requeue: dead-letter them if the queue has a DLX.
    public func rejected(_ entries: [QueueEntry]) {
        guard !entries.isEmpty else { return }
        state.withLock { $0.unacked -= entries.count }
        discard(entries, reason: "rejected")
    }

    // MARK: - Polling

    /// basic.get: takes the oldest ready message. With `noAck` false it counts as unacknowledged until settled.
    /// Returns the entry and how many ready messages remain.
    public func get(noAck: Bool) -> (entry: QueueEntry, remaining: Int)? {
        var expired: [QueueEntry] = []
        var expiry: Int64?
        let now = MonotonicClock.milliseconds()
        let result: (QueueEntry, Int)? = state.withLock { s in
            s.lastUsed = now
            while let e = s.store.removeFirst() {
                if e.expiresAt <= now {
                    expired.append(e)
                    continue
                }
                if noAck { s.store.settle(e) } else { s.unacked += 1 }
                s.counters?.delivered += 1
                if e.redelivered { s.counters?.redelivered += 1 }
                expiry = armHeadExpiry(&s)
                return (e, s.store.count)
            }
            return nil
        }
        if !expired.isEmpty { discard(expired, reason: "expired") }
        if let expiry { scheduleExpiry(at: expiry, now: now) }
        if result == nil { scheduleExpiresCheck() } else if noAck { recordsSettled() }
        return result.map { (entry: $0.0, remaining: $0.1) }
    }

    /// Drops every ready message; returns how many.
    public func purge() -> Int {
        let n = state.withLock { $0.store.removeAll() }
        if n > 0 { recordsSettled() }
        return n
    }

    /// Up to `limit` ready messages from the front, without removing them.
    public func peek(limit: Int) -> [QueueEntry] {
        state.withLock { $0.store.peek(limit: limit) }
    }

    /// Marks the queue used (redeclare), postponing x-expires.
    public func touch() {
        state.withLock { $0.lastUsed = MonotonicClock.milliseconds() }
        scheduleExpiresCheck()
    }

    // MARK: - Deletion

    /// Marks the queue deleted, drops its messages and tells its consumers. Returns the ready count it had.
    /// Called by the vhost, which removes it from its registry and its bindings.
    /// The store's files are removed after the lock is released: publishers still holding the queue only see
    /// it deleted, they never wait for the file system.
    func markDeleted() -> Int {
        let (count, handles, store): (Int, [ConsumerHandle], (any QueueStore)?) = state.withLock { s in
            guard !s.deleted else { return (0, [], nil) }
            s.deleted = true
            deletedFlag.store(true, ordering: .relaxed)
            let handles = s.slots.map(\.handle)
            for slot in s.slots where !slot.pending.isEmpty {
                slot.handle.releaseCredit(slot.pending.count)
            }
            s.slots.removeAll()
            let n = s.store.removeAll()
            let old = s.store
            s.store = InMemoryQueueStore()
            return (n, handles, old)
        }
        store?.destroy()
        for h in handles { h.consumer.queueDeleted(h) }
        return count
    }

    // MARK: - Expiry

    private func scheduleExpiry(at: Int64, now: Int64) {
        guard let scheduler = vhost?.scheduler else { return }
        scheduler.schedule(afterMilliseconds: Swift.max(0, at - now)) { [weak self] in self?.expireHead() }
    }

    /// Dead-letters expired messages at the head and re-arms the timer for the next one (RabbitMQ expires at the head only).
    func expireHead() {
        let now = MonotonicClock.milliseconds()
        var expired: [QueueEntry] = []
        var next: Int64?
        state.withLock { s in
            s.expiryTimerAt = .max
            while let head = s.store.first, head.expiresAt <= now {
                expired.append(s.store.removeFirst()!)
            }
            if let head = s.store.first, head.expiresAt != .max {
                s.expiryTimerAt = head.expiresAt
                next = head.expiresAt
            }
        }
        if !expired.isEmpty { discard(expired, reason: "expired") }
        if let next { scheduleExpiry(at: next, now: now) }
    }

    /// Arms the x-expires check if the queue is unused.
    func scheduleExpiresCheck() {
        guard let expires = limits.expires, let scheduler = vhost?.scheduler else { return }
        let arm: Bool = state.withLock { s in
            if s.expiresCheckArmed { return false }
            s.expiresCheckArmed = true
            return true
        }
        guard arm else { return }
        scheduler.schedule(afterMilliseconds: expires) { [weak self] in self?.checkExpires() }
    }

    private func checkExpires() {
        guard let expires = limits.expires else { return }
        let now = MonotonicClock.milliseconds()
        let (unused, remaining): (Bool, Int64) = state.withLock { s in
            s.expiresCheckArmed = false
            guard !s.deleted, s.slots.isEmpty else { return (false, 0) }
            let idle = now - s.lastUsed
            if idle >= expires { return (true, 0) }
            s.expiresCheckArmed = true
            return (false, expires - idle)
        }
        if unused {
            vhost?.removeQueue(self)
        } else if remaining > 0, let scheduler = vhost?.scheduler {
            scheduler.schedule(afterMilliseconds: remaining) { [weak self] in self?.checkExpires() }
        }
    }

    // MARK: - Dead-lettering

    /// Messages leave the queue for good without being acknowledged: dead-letter them (if the queue has a
    /// dead-letter exchange), then settle their records.
    private func discard(_ entries: [QueueEntry], reason: String) {
        deadLetter(entries, reason: reason)
        state.withLock { s in
            s.counters?.dropped += entries.count
            if keepsRecords { for e in entries { s.store.settle(e) } }
        }
        recordsSettled()
    }

    public var syncDescription: String { "messages of queue '\(name)' in vhost '\(vhostName)'" }

    /// Flushes the store's buffered records for a sync round (called by the `SyncCoordinator`).
    public func prepareSync() throws(StorageError) -> SegmentSyncBatch? {
        try state.withLock { (s: inout State) throws(StorageError) in try s.store.prepareSync() }
    }

    private func deadLetter(_ entries: [QueueEntry], reason: String) {
        let limits = self.limits
        guard let dlx = limits.deadLetterExchange, let vhost else { return }
        for e in entries {
            let m = DeadLetter.message(
                from: e.message, queue: name, reason: reason, exchange: dlx,
                routingKey: limits.deadLetterRoutingKey)
            _ = vhost.publish(m, to: dlx, mandatory: false)
        }
    }
}
