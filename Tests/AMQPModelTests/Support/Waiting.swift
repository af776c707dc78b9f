import Clocks
import Glibc

@testable import AMQPModel

/// Polls `condition` (firing the scheduler's due work first, when given) until it holds or `timeoutMs` passes.
/// Returns whether it held: tests `#expect` the result, so a missing event fails instead of hanging.
func waitUntil(
    timeoutMs: Int64 = 2_000, firing scheduler: RecordingScheduler? = nil, _ condition: () -> Bool
) -> Bool {
    let deadline = MonotonicClock.milliseconds() + timeoutMs
    while true {
        scheduler?.fireDue()
        if condition() { return true }
        if MonotonicClock.milliseconds() >= deadline { return false }
        usleep(500)
    }
}
