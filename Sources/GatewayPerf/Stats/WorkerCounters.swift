import Synchronization

/// The running totals of one publisher or consumer thread, read by the main thread for progress and rates.
///
/// Each counter has a single writer (its worker), which publishes its private tally with a relaxed store once
/// per batch or read, so counting costs nothing per message and the reader never takes a lock.
final class WorkerCounters: Sendable {
    /// Messages written to the socket.
    let published = Atomic<UInt64>(0)
    /// Messages the broker confirmed (basic.ack with confirms on).
    let confirmed = Atomic<UInt64>(0)
    /// Messages received completely (header and every body frame).
    let consumed = Atomic<UInt64>(0)
    /// Messages the broker rejected (basic.nack) or returned.
    let errors = Atomic<UInt64>(0)

    init() {}
}
