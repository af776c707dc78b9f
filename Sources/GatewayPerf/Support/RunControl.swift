import Locks
import Synchronization

/// What the main thread and the workers of one run share: the stop signal and the first failure.
///
/// A worker that fails records its error and stops the run; the main thread reports that error once every
/// worker has finished. Both flags are polled (at least every 100 ms by blocked workers), never waited on.
final class RunControl: Sendable {
    /// Set when the workers must wind down: the run is over or one of them failed.
    let stop = Atomic<Bool>(false)
    /// Set when a worker failed.
    let failed = Atomic<Bool>(false)
    private let firstError = Mutex<PerfError?>(nil)

    init() {}

    /// True once the workers should stop.
    var isStopping: Bool { stop.load(ordering: .relaxed) }

    /// Records `error` (only the first one is kept) and stops the run.
    func fail(_ error: PerfError) {
        firstError.withLock { if $0 == nil { $0 = error } }
        failed.store(true, ordering: .relaxed)
        stop.store(true, ordering: .relaxed)
    }

    /// The first failure, if any.
    var error: PerfError? { firstError.withLock { $0 } }

    /// Runs `workers` on a thread each, reports progress until the schedule ends (or a worker fails), then
    /// stops and joins them; throws the first failure. Returns the counters at the start and end of the
    /// measured window.
    func run(
        _ workers: [@Sendable () -> Void], schedule: RunSchedule, counters: [WorkerCounters], showConfirmed: Bool
    ) throws(PerfError) -> (start: CounterSnapshot, end: CounterSnapshot) {
        var threads: [NamedThread] = []
        do {
            for (i, body) in workers.enumerated() { threads.append(try NamedThread(name: "perf-worker-\(i)", body)) }
        } catch {
            fail(.io("\(error)"))
        }
        let monitor = ProgressMonitor(schedule: schedule, counters: counters, showConfirmed: showConfirmed)
        let window = monitor.watch(failed: failed)
        stop.store(true, ordering: .relaxed)
        for thread in threads { thread.join() }
        if let error { throw error }
        return window
    }
}
