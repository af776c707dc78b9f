import Clocks
import Locks
@testable import AMQPModel

/// A `BrokerScheduler` that runs nothing by itself: it records each scheduled closure with the monotonic
/// time it is due, and the test decides when to fire them. The core reads `MonotonicClock` directly, so
/// time cannot be faked; tests use TTLs of a few milliseconds and fire what is due once the deadline passed.
final class RecordingScheduler: BrokerScheduler, @unchecked Sendable {
    private struct Task {
        let dueAt: Int64
        let body: @Sendable () -> Void
    }

    private let tasks = Lock<[Task]>([])

    func schedule(afterMilliseconds milliseconds: Int64, _ body: @escaping @Sendable () -> Void) {
        let due = MonotonicClock.milliseconds() + milliseconds
        tasks.withLock { $0.append(Task(dueAt: due, body: body)) }
    }

    /// Number of closures recorded and not yet fired.
    var scheduledCount: Int { tasks.withLock { $0.count } }

    /// Fires every recorded closure whose time has come (including ones they schedule that are already due).
    /// Returns how many ran.
    @discardableResult
    func fireDue() -> Int {
        var ran = 0
        while true {
            let now = MonotonicClock.milliseconds()
            let due: [Task] = tasks.withLock { t in
                let d = t.filter { $0.dueAt <= now }
                t.removeAll { $0.dueAt <= now }
                return d
            }
            if due.isEmpty { return ran }
            for task in due { task.body() }
            ran += due.count
        }
    }

    /// Fires every recorded closure now, due or not. Returns how many ran.
    @discardableResult
    func fireAll() -> Int {
        let all: [Task] = tasks.withLock { t in
            let a = t
            t.removeAll()
            return a
        }
        for task in all { task.body() }
        return all.count
    }
}
