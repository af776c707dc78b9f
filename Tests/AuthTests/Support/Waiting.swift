import Clocks
import Glibc

/// Polls `condition` until it holds or `timeoutMs` passes. Returns whether it held: tests `#expect` the result, so a
/// missing event (a background key load) fails instead of hanging.
func waitUntil(timeoutMs: Int64 = 2_000, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicClock.milliseconds() + timeoutMs
    while true {
        if condition() { return true }
        if MonotonicClock.milliseconds() >= deadline { return false }
        usleep(500)
    }
}
