/// The instant by which a whole fetch must be done, turned into `poll` timeouts at every blocking step.
struct Deadline {
    /// The duration the deadline was set from, for messages.
    let budget: Duration
    private let end: ContinuousClock.Instant

    init(after budget: Duration) {
        self.budget = budget
        end = .now + budget
    }

    private init(budget: Duration, end: ContinuousClock.Instant) {
        self.budget = budget
        self.end = end
    }

    var isExpired: Bool { ContinuousClock.now >= end }

    /// Milliseconds left for `poll`, rounded up so a wait never ends just before the deadline and spins;
    /// 0 once it has passed.
    var pollTimeout: Int32 {
        let left = end - ContinuousClock.now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(milliseconds, 1))
    }

    /// A share of the time left when it is to be split among `parts` attempts (this one and `parts - 1` more),
    /// so one unresponsive address cannot use up the time the others need.
    func share(of parts: Int) -> Deadline {
        let left = end - ContinuousClock.now
        guard parts > 1, left > .zero else { return self }
        return Deadline(budget: budget, end: .now + left / parts)
    }

    /// The error for a deadline that passed while `activity` was under way.
    func expired(while activity: String) -> HTTPFetchError {
        HTTPFetchError(.timeout, "timed out after \(budget) while \(activity)")
    }
}
