import Clocks
import Locks
import Storage

#if canImport(Glibc)
    import Glibc
#endif

/// Group commit for every durable queue of the broker (design §6).
///
/// A queue that wrote records marks itself dirty and learns the *generation* that will cover the write.
/// One background thread repeatedly takes the dirty queues, flushes them (briefly under each queue's lock),
/// `fdatasync`s the files outside any lock, and then reports the generation complete: one sync covers every
/// record written since the previous one, however many publishers wrote them. Waiters (publisher confirms,
/// MQTT PUBACK/PUBREC) are called on this thread and must only hop to their own loop.
/// With `sync` off (`--no-sync`), rounds only flush and every generation counts as complete at once.
public final class SyncCoordinator: @unchecked Sendable {
    private struct State {
        var dirty: [ObjectIdentifier: any SyncParticipant] = [:]
        var started: UInt64 = 0
        var completed: UInt64 = 0
        /// Recent rounds whose flush or sync failed (kept for late waiters).
        var failed: Set<UInt64> = []
        var waiters: [(generation: UInt64, callback: @Sendable (Bool) -> Void)] = []
        var stopping = false
        var definitionsDirty = false
        var definitionsWriter: (@Sendable () throws -> Void)?
        var barrier: (@Sendable () -> Bool)?
        var rounds = RoundLatencyHistogram()
    }

    /// Whether records are fsynced before they count as durable.
    public let syncEnabled: Bool
    private let state = Lock(State())
    private let wakeup: UnsafeMutablePointer<sem_t>
    private let logger = Logger(label: "storage")
    private var thread: NamedThread?

    /// Starts the sync thread.
    public init(syncEnabled: Bool) {
        self.syncEnabled = syncEnabled
        wakeup = .allocate(capacity: 1)
        sem_init(wakeup, 0, 0)
        do {
            thread = try NamedThread(name: "gw-sync") { [self] in run() }
        } catch {
            fatalError("\(error)")
        }
    }

    /// Records that `participant` wrote records; returns the generation after which they are durable
    /// (0 when sync is off: nothing to wait for).
    public func markDirty(_ participant: any SyncParticipant) -> UInt64 {
        let (generation, wake) = state.withLock { s -> (UInt64, Bool) in
            let wasEmpty = s.dirty.isEmpty && !s.definitionsDirty
            s.dirty[ObjectIdentifier(participant)] = participant
            return (s.started + 1, wasEmpty)
        }
        if wake { sem_post(wakeup) }
        return syncEnabled ? generation : 0
    }

    /// Sets what writes the definitions snapshot; it runs on the sync thread at the start of a round.
    public func setDefinitionsWriter(_ writer: @escaping @Sendable () throws -> Void) {
        state.withLock { $0.definitionsWriter = writer }
    }

    /// Sets a check every round passes after its sync and before its waiters hear of it (a cluster leader's: every
    /// in-sync follower has the round's writes, and this node may still lead). A round whose check returns false
    /// failed. It runs on the sync thread and may block.
    public func setDurabilityBarrier(_ barrier: @escaping @Sendable () -> Bool) {
        state.withLock { $0.barrier = barrier }
    }

    /// Durable definitions changed (a durable queue, exchange or binding): the next round writes a snapshot
    /// before it syncs messages, so a message confirmed after a declare never outlives its queue's definition.
    /// Returns the generation after which the snapshot is written.
    @discardableResult
    public func markDefinitionsChanged() -> UInt64 {
        let (generation, wake) = state.withLock { s -> (UInt64, Bool) in
            let wasIdle = s.dirty.isEmpty && !s.definitionsDirty
            s.definitionsDirty = true
            return (s.started + 1, wasIdle)
        }
        if wake { sem_post(wakeup) }
        return generation
    }

    /// Whether `generation` is durable: true, false when its sync failed, nil while it is pending.
    public func outcome(_ generation: UInt64) -> Bool? {
        state.withLock { s in s.completed >= generation ? !s.failed.contains(generation) : nil }
    }

    /// Calls `callback(true)` once `generation` is durable, `callback(false)` if its sync failed; at once
    /// (on the calling thread) when that is already known.
    public func whenDurable(_ generation: UInt64, _ callback: @escaping @Sendable (Bool) -> Void) {
        let known: Bool? = state.withLock { s in
            if s.completed >= generation { return !s.failed.contains(generation) }
            s.waiters.append((generation, callback))
            return nil
        }
        if let known { callback(known) }
    }

    /// Runs a final round and stops the thread (broker shutdown).
    /// How long the rounds took so far (for `/metrics`).
    public var roundLatency: RoundLatencyHistogram { state.withLock { $0.rounds } }

    public func shutdown() {
        state.withLock { $0.stopping = true }
        sem_post(wakeup)
        thread?.join()
    }

    private func run() {
        while true {
            while sem_wait(wakeup) != 0 && errno == EINTR {}
            let (queues, generation, stopping, writer, barrier) = state.withLock {
                s -> ([any SyncParticipant], UInt64, Bool, (@Sendable () throws -> Void)?, (@Sendable () -> Bool)?) in
                let q = Array(s.dirty.values)
                s.dirty.removeAll(keepingCapacity: true)
                s.started += 1
                let w = s.definitionsDirty ? s.definitionsWriter : nil
                s.definitionsDirty = false
                return (q, s.started, s.stopping, w, s.barrier)
            }
            let roundStart = MonotonicClock.nanoseconds()
            var ok = true
            if let writer {
                do { try writer() } catch {
                    ok = false
                    logger.error("cannot write the definitions: \(error)")
                }
            }
            var batches: [SegmentSyncBatch] = []
            for q in queues {
                do {
                    if let b = try q.prepareSync() { batches.append(b) }
                } catch {
                    ok = false
                    logger.error("cannot write \(q.syncDescription): \(error)")
                }
            }
            if syncEnabled {
                for b in batches {
                    do { try b.perform() } catch {
                        ok = false
                        logger.error("cannot sync messages to disk: \(error)")
                    }
                }
            } else {
                for b in batches { b.discard() }
            }
            if ok, syncEnabled, let barrier, !barrier() { ok = false }
            let seconds = Double(MonotonicClock.nanoseconds() - roundStart) / 1e9
            let ready = state.withLock { s -> [(UInt64, @Sendable (Bool) -> Void)] in
                s.rounds.record(seconds: seconds)
                s.completed = generation
                if !ok { s.failed.insert(generation) }
                if s.failed.count > 64, let oldest = s.failed.min() { s.failed.remove(oldest) }
                var due: [(UInt64, @Sendable (Bool) -> Void)] = []
                s.waiters.removeAll { w in
                    guard w.generation <= generation else { return false }
                    due.append((w.generation, w.callback))
                    return true
                }
                return due
            }
            for (_, callback) in ready { callback(ok) }
            if stopping { return }
            if state.withLock({ !$0.dirty.isEmpty || $0.definitionsDirty }) { sem_post(wakeup) }
        }
    }
}
