/// Acknowledgements to a publisher that may go out only once the messages they acknowledge are durable, in the
/// order the messages were published: AMQP publisher confirms and MQTT PUBACK / PUBREC alike (design §6).
///
/// A pure state machine: the frontend adds an acknowledgement with the sync generation after which its message is
/// on disk (0: nothing to wait for), and flushes with the storage's answer for each generation. It never sends an
/// acknowledgement before an earlier one.
public struct DurableAcks<Ack> {
    private var pending: [(ack: Ack, accepted: Bool, generation: UInt64)] = []
    private var awaited: UInt64 = 0

    /// No acknowledgements are waiting.
    public init() {}

    /// True when nothing waits.
    public var isEmpty: Bool { pending.isEmpty }

    /// Acknowledgements waiting.
    public var count: Int { pending.count }

    /// True when an acknowledgement for a message that needs no sync may be sent at once (nothing is ahead of it);
    /// otherwise the caller adds it with `append`.
    public func canSendAtOnce(generation: UInt64) -> Bool {
        generation == 0 && pending.isEmpty
    }

    /// Queues `ack` for a message routed with `accepted` (false: a queue refused it) whose copies on disk are
    /// durable after sync `generation`.
    public mutating func append(_ ack: Ack, accepted: Bool = true, generation: UInt64) {
        pending.append((ack, accepted, generation))
    }

    /// Passes the acknowledgements that are due to `send`, in order, with whether the message is safe (accepted
    /// and, if written to disk, synced). `outcome(g)` is the storage's answer for generation `g`: true synced,
    /// false failed, nil not yet. Stops at the first generation not yet synced, or when `send` returns false.
    /// Returns that generation when the caller should wait for it (once per generation: see `waitEnded`).
    public mutating func flush(outcome: (UInt64) -> Bool?, _ send: (Ack, Bool) -> Bool) -> UInt64? {
        var sent = 0
        var wait: UInt64?
        for p in pending {
            var safe = p.accepted
            if p.generation > 0 {
                guard let durable = outcome(p.generation) else {
                    if awaited != p.generation {
                        awaited = p.generation
                        wait = p.generation
                    }
                    break
                }
                safe = safe && durable
            }
            sent += 1
            guard send(p.ack, safe) else { break }
        }
        pending.removeFirst(sent)
        return wait
    }

    /// The generation `flush` asked to wait for completed: the next flush may ask again.
    public mutating func waitEnded() {
        awaited = 0
    }

    /// Drops every waiting acknowledgement (the connection closes; the client will resend).
    public mutating func removeAll() {
        pending.removeAll()
        awaited = 0
    }
}
