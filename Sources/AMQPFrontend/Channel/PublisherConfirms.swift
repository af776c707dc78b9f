import FrontendSupport

/// The publisher confirms of one channel in confirm mode (RabbitMQ's extension), as a state machine: publishes
/// in, basic.ack / basic.nack out, in publish order.
///
/// A message a queue refused is nacked; one written to disk is confirmed only after its sync generation completed
/// (a failed sync turns its ack into a nack). Runs of acks collapse into one `multiple` ack; nacks go one by one.
struct PublisherConfirms {
    /// One confirm frame to send.
    enum Confirm: Equatable {
        case ack(deliveryTag: UInt64, multiple: Bool)
        case nack(deliveryTag: UInt64)
    }

    private var nextSequence: UInt64 = 1
    private var pending = DurableAcks<UInt64>()
    /// Publishes acknowledged so far (the channel's `confirm` statistic).
    private(set) var confirmed = 0

    /// True when no confirm waits.
    var isEmpty: Bool { pending.isEmpty }

    /// Records the next publish (its sequence number is the delivery tag of its confirm): `accepted` false when
    /// a queue refused it, `generation` the sync after which its copies on disk are durable (0: none). Returns
    /// true when it is the only confirm waiting, so the caller schedules a flush.
    mutating func published(accepted: Bool, generation: UInt64) -> Bool {
        pending.append(nextSequence, accepted: accepted, generation: generation)
        nextSequence += 1
        return pending.count == 1
    }

    /// Emits the confirms that are due, given the storage's answer for each sync generation (`DurableAcks.flush`).
    /// Returns the generation to wait for before flushing again, if one holds the rest back.
    mutating func flush(outcome: (UInt64) -> Bool?, _ emit: (Confirm) -> Void) -> UInt64? {
        var runStart: UInt64?
        var runEnd: UInt64 = 0
        let wait = pending.flush(outcome: outcome) { sequence, safe in
            if safe {
                confirmed += 1
                if runStart == nil { runStart = sequence }
                runEnd = sequence
            } else {
                if let start = runStart {
                    emit(.ack(deliveryTag: runEnd, multiple: runEnd > start))
                    runStart = nil
                }
                emit(.nack(deliveryTag: sequence))
            }
            return true
        }
        if let start = runStart { emit(.ack(deliveryTag: runEnd, multiple: runEnd > start)) }
        return wait
    }

    /// The generation `flush` returned completed.
    mutating func waitEnded() {
        pending.waitEnded()
    }

    /// Forgets every waiting confirm (the channel closed).
    mutating func removeAll() {
        pending.removeAll()
    }
}
