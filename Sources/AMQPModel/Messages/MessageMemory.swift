import Locks
import Synchronization

/// Accounting of the memory held by live messages, and the memory alarm that blocks publishers.
///
/// Every `Message` adds its size when created and subtracts it when freed, wherever that happens
/// (ack, expiry, purge, queue deletion), so the figure cannot drift. When it passes the high watermark
/// the alarm goes on and frontends stop reading from publishers (AMQP `connection.blocked`); when it
/// falls below the low watermark (90 % of the high one) the alarm clears and every registered
/// callback runs once.
public enum MessageMemory {
    /// Bytes counted per message beyond its body: the message object, properties and queue entries.
    public static let overheadPerMessage = 256

    private static let live = Atomic<Int>(0)
    private static let high = Atomic<Int>(Int.max)
    private static let alarm = Atomic<Bool>(false)
    private static let waiters = Lock<[@Sendable () -> Void]>([])

    /// Bytes held by live messages now.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }

    /// The high watermark in bytes.
    public static var highWatermark: Int { high.load(ordering: .relaxed) }

    /// Sets the high watermark in bytes (the broker does this once at start).
    public static func setHighWatermark(_ bytes: Int) {
        high.store(max(1, bytes), ordering: .relaxed)
    }

    /// True while publishers should be blocked. Turns the alarm on when live bytes passed the watermark.
    @inlinable public static var isAlarmed: Bool { checkAlarm() }

    @usableFromInline static func checkAlarm() -> Bool {
        if alarm.load(ordering: .relaxed) { return true }
        guard live.load(ordering: .relaxed) > high.load(ordering: .relaxed) else { return false }
        alarm.store(true, ordering: .relaxed)
        return true
    }

    /// Runs `callback` once, on the thread that clears the alarm (or at once if it is already clear).
    /// Callbacks must only hop to their own thread.
    public static func whenCleared(_ callback: @escaping @Sendable () -> Void) {
        waiters.withLock { $0.append(callback) }
        if !alarm.load(ordering: .relaxed) { fireWaiters() }
    }

    static func add(_ bytes: Int) {
        live.add(bytes, ordering: .relaxed)
    }

    static func remove(_ bytes: Int) {
        let now = live.subtract(bytes, ordering: .relaxed).newValue
        guard alarm.load(ordering: .relaxed), now < high.load(ordering: .relaxed) / 10 * 9 else { return }
        if alarm.compareExchange(expected: true, desired: false, ordering: .relaxed).exchanged { fireWaiters() }
    }

    private static func fireWaiters() {
        let callbacks = waiters.withLock { w -> [@Sendable () -> Void] in
            let all = w
            w.removeAll()
            return all
        }
        for c in callbacks { c() }
    }
}
