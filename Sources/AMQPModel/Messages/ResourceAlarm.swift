import Locks
import Synchronization

/// The resource alarms that block publishers: message memory and free disk space.
///
/// Every `Message` adds its size when created and subtracts it when freed, wherever that happens
/// (ack, expiry, purge, queue deletion), so the figure cannot drift. When it passes the high watermark
/// the memory alarm goes on; it clears below the low watermark (90 % of the high one). The disk alarm is set
/// by the broker's free-space check (`[main] free_disk_min`). While either alarm is on, frontends stop reading
/// from publishers (AMQP `connection.blocked`); when both are off, every registered callback runs once.
public enum ResourceAlarm {
    /// Bytes counted per message beyond its body: the message object, properties and queue entries.
    public static let overheadPerMessage = 256

    private static let live = Atomic<Int>(0)
    private static let high = Atomic<Int>(Int.max)
    private static let alarm = Atomic<Bool>(false)
    private static let disk = Atomic<Bool>(false)
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
        if alarm.load(ordering: .relaxed) || disk.load(ordering: .relaxed) { return true }
        guard live.load(ordering: .relaxed) > high.load(ordering: .relaxed) else { return false }
        alarm.store(true, ordering: .relaxed)
        return true
    }

    /// Runs `callback` once, on the thread that clears the alarm (or at once if it is already clear).
    /// Callbacks must only hop to their own thread.
    public static func whenCleared(_ callback: @escaping @Sendable () -> Void) {
        waiters.withLock { $0.append(callback) }
        if !alarm.load(ordering: .relaxed) && !disk.load(ordering: .relaxed) { fireWaiters() }
    }

    /// True while free disk space is below `[main] free_disk_min`.
    public static var isDiskAlarmed: Bool { disk.load(ordering: .relaxed) }

    /// Sets the disk alarm (the broker's free-space check calls this).
    public static func setDiskAlarm(_ on: Bool) {
        let was = disk.exchange(on, ordering: .relaxed)
        if was && !on && !alarm.load(ordering: .relaxed) { fireWaiters() }
    }

    static func add(_ bytes: Int) {
        live.add(bytes, ordering: .relaxed)
    }

    static func remove(_ bytes: Int) {
        let now = live.subtract(bytes, ordering: .relaxed).newValue
        guard alarm.load(ordering: .relaxed), now < high.load(ordering: .relaxed) / 10 * 9 else { return }
        if alarm.compareExchange(expected: true, desired: false, ordering: .relaxed).exchanged
            && !disk.load(ordering: .relaxed)
        {
            fireWaiters()
        }
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
