/// The packet identifiers of a publisher's unacknowledged QoS 1 and QoS 2 publishes (MQTT 3.1.1 §4.3, §2.3.1).
///
/// Identifiers are handed out in sequence 1...65535 and back to 1; one is reused only after its flow is
/// complete (PUBACK for QoS 1, PUBCOMP for QoS 2), as [MQTT-2.3.1-2] requires, so a broker never takes a new
/// QoS 2 message for a duplicate of one it still holds. A table of 65 536 states keeps every step O(1)
/// whatever order the broker acknowledges in; publishing pauses at an identifier still in use.
struct PacketIdWindow {
    /// Where one identifier's flow stands.
    enum State: UInt8 {
        case free
        /// Sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2).
        case published
        /// QoS 2: PUBREC received and PUBREL sent; waiting for PUBCOMP.
        case released
    }

    /// Maximum number of unfinished publishes (`--inflight`), at most 65 535.
    let limit: Int
    private var states: [State]
    /// The identifier the next publish gets.
    private(set) var nextId: UInt16 = 1
    /// Number of unfinished publishes.
    private(set) var outstanding = 0

    init(limit: Int) {
        precondition(limit >= 1 && limit <= 65_535, "an MQTT client has at most 65535 packet identifiers")
        self.limit = limit
        states = Array(repeating: .free, count: 65_536)
    }

    /// How many of the next `wanted` publishes may go now: bounded by the limit and by the first identifier
    /// in sequence that is still in use.
    func available(upTo wanted: Int) -> Int {
        let bound = min(wanted, limit - outstanding)
        var count = 0
        var id = nextId
        while count < bound, states[Int(id)] == .free {
            count += 1
            id = Self.successor(id)
        }
        return count
    }

    /// Takes the next `count` identifiers (the caller checked `available`); returns the first.
    mutating func take(_ count: Int) -> UInt16 {
        let first = nextId
        for _ in 0..<count {
            states[Int(nextId)] = .published
            nextId = Self.successor(nextId)
        }
        outstanding += count
        return first
    }

    /// PUBACK (QoS 1) or PUBCOMP (QoS 2) for `id`: the flow is complete. Returns false for an identifier that
    /// was not in the expected state (a broken or confused broker).
    mutating func complete(_ id: UInt16, from expected: State) -> Bool {
        guard states[Int(id)] == expected else { return false }
        states[Int(id)] = .free
        outstanding -= 1
        return true
    }

    /// PUBREC for `id` (QoS 2): the broker has the message; PUBREL follows. Returns false when `id` was not
    /// waiting for a PUBREC.
    mutating func received(_ id: UInt16) -> Bool {
        guard states[Int(id)] == .published else { return false }
        states[Int(id)] = .released
        return true
    }

    /// The identifier after `id`, skipping 0 [MQTT-2.3.1-1].
    @inline(__always)
    static func successor(_ id: UInt16) -> UInt16 {
        id == 65_535 ? 1 : id + 1
    }
}
