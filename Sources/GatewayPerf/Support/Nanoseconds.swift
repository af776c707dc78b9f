#if canImport(Glibc)
import Glibc
#endif

/// The monotonic clock in nanoseconds, the one time base of a run: message timestamps, latency and rates.
///
/// `CLOCK_MONOTONIC` is shared by every process on the host, so a publisher's stamp and a consumer's reading
/// compare even when they run in different processes on the same machine.
enum Nanoseconds {
    /// Nanoseconds from an arbitrary fixed point; never goes backwards.
    @inline(__always)
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Sleeps for about `duration` nanoseconds (a signal may cut it short; callers re-check the clock).
    static func sleep(for duration: UInt64) {
        var ts = timespec(tv_sec: Int(duration / 1_000_000_000), tv_nsec: Int(duration % 1_000_000_000))
        _ = nanosleep(&ts, nil)
    }
}
