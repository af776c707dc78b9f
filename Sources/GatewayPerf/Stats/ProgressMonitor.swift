import Synchronization

/// Drives the main thread during a run: prints a progress line to stderr every second, snapshots the
/// counters at the start and end of the measured window, and ends early when a worker fails.
///
/// Shared by every throughput subcommand; one without confirms passes `showConfirmed: false`.
struct ProgressMonitor {
    let schedule: RunSchedule
    let counters: [WorkerCounters]
    let showConfirmed: Bool

    /// Sleeps through the run, printing progress, until the schedule ends or `failed` becomes true.
    /// Returns the snapshots at the start and end of the measured window (the end one is taken early on failure).
    func watch(failed: borrowing Atomic<Bool>) -> (start: CounterSnapshot, end: CounterSnapshot) {
        var previous = CounterSnapshot(counters)
        var windowStart: CounterSnapshot? = previous.time >= schedule.measureStart ? previous : nil
        var nextTick = schedule.start + 1_000_000_000
        while true {
            let target = min(nextTick, windowStart == nil ? schedule.measureStart : schedule.measureEnd)
            while true {
                let now = Nanoseconds.now()
                if now >= target { break }
                if failed.load(ordering: .relaxed) { return (windowStart ?? previous, CounterSnapshot(counters)) }
                Nanoseconds.sleep(for: min(20_000_000, target - now))
            }
            let snapshot = CounterSnapshot(counters)
            if windowStart == nil, snapshot.time >= schedule.measureStart { windowStart = snapshot }
            if snapshot.time >= schedule.measureEnd { return (windowStart ?? snapshot, snapshot) }
            if snapshot.time >= nextTick {
                printLine(snapshot, since: previous, warmup: nextTick <= schedule.measureStart)
                previous = snapshot
                nextTick += 1_000_000_000
            }
        }
    }

    private func printLine(_ now: CounterSnapshot, since previous: CounterSnapshot, warmup: Bool) {
        let rates = now.rates(since: previous)
        let elapsed = Double(now.time - schedule.start) / 1e9
        let phase = warmup ? " (warm-up)" : ""
        var line = "[\((elapsed.formatted(decimals: 0) + "s]").padding(5))published \(rates.published.formatted(decimals: 0)) msg/s"
        if showConfirmed { line += ", confirmed \(rates.confirmed.formatted(decimals: 0)) msg/s" }
        line += ", consumed \(rates.consumed.formatted(decimals: 0)) msg/s\(phase)"
        StandardError.print(line)
    }
}
