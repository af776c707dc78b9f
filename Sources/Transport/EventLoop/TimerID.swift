/// Identifies a timer scheduled with `EventLoop.scheduleTimer`, for `EventLoop.cancelTimer`.
/// Unique within its event loop for the life of the process.
public struct TimerID: Hashable, Sendable {
    let rawValue: UInt64
}
