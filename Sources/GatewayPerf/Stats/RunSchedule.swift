/// When a run's phases start and end, in monotonic nanoseconds, fixed before any worker starts so every
/// thread agrees on the measured window without talking to the others.
struct RunSchedule: Sendable {
    /// When workers start sending and receiving.
    let start: UInt64
    /// End of the warm-up: figures and latency are taken from here...
    let measureStart: UInt64
    /// ...to here, when the workers are told to stop.
    let measureEnd: UInt64

    /// A schedule starting now.
    init(warmupSeconds: Double, durationSeconds: Double) {
        start = Nanoseconds.now()
        measureStart = start + UInt64(warmupSeconds * 1e9)
        measureEnd = measureStart + UInt64(durationSeconds * 1e9)
    }

    /// True when `time` falls in the measured window.
    @inline(__always)
    func isMeasured(_ time: UInt64) -> Bool {
        time >= measureStart && time < measureEnd
    }
}
