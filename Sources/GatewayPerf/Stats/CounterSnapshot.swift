/// The sum of every worker's counters at one instant, and when it was taken.
struct CounterSnapshot {
    var time: UInt64
    var published: UInt64 = 0
    var confirmed: UInt64 = 0
    var consumed: UInt64 = 0
    var errors: UInt64 = 0

    /// Reads and sums `counters` now.
    init(_ counters: [WorkerCounters]) {
        time = Nanoseconds.now()
        for c in counters {
            published += c.published.load(ordering: .relaxed)
            confirmed += c.confirmed.load(ordering: .relaxed)
            consumed += c.consumed.load(ordering: .relaxed)
            errors += c.errors.load(ordering: .relaxed)
        }
    }

    /// Messages per second of each counter between `earlier` and this snapshot.
    func rates(since earlier: CounterSnapshot) -> (published: Double, confirmed: Double, consumed: Double) {
        let seconds = Double(time - earlier.time) / 1e9
        guard seconds > 0 else { return (0, 0, 0) }
        return (
            Double(published - earlier.published) / seconds,
            Double(confirmed - earlier.confirmed) / seconds,
            Double(consumed - earlier.consumed) / seconds
        )
    }
}
