import Locks
import Synchronization

/// The resource alarms that block publishers: message memory and free disk space. One per broker
/// (`Broker.resourceAlarm`); every message it holds counts against it.
///
/// Every `Message` adds its size when created and subtracts it when freed, wherever that happens
/// (ack, expiry, purge, queue deletion), so the figure cannot drift. When it passes the high watermark
/// the memory alarm goes on; it clears below the low watermark (90 % of the high one). The disk alarm is set
/// by the broker's free-space check (`[main] free_disk_min`). While either alarm is on, frontends stop reading
/// from publishers (AMQP `connection.blocked`); when both are off, every registered callback runs once.
public final class ResourceAlarm: Sendable {
    /// Bytes counted per message beyond its body: the message object, properties and queue entries.
    public static let overheadPerMessage = 256

    /// Which alarm blocks publishers.
    public enum Cause: Sendable {
        /// Messages hold more than the high watermark.
        case memory
        /// Free disk space is below `[main] free_disk_min`.
        case disk
    }

    private let live = Atomic<Int>(0)
    private let high: Atomic<Int>
    private let alarm = Atomic<Bool>(false)
    private let disk = Atomic<Bool>(false)
    private let waiters = Lock<[@Sendable () -> Void]>([])
    private let pauses = Atomic<Int>(0)

    /// An alarm with the memory high watermark `highWatermark` bytes (unlimited by default).
    public init(highWatermark: Int = .max) {
        high = Atomic(max(1, highWatermark))
    }

    /// Bytes held by live messages now.
    public var liveBytes: Int { live.load(ordering: .relaxed) }

    /// The high watermark in bytes.
    public var highWatermark: Int { high.load(ordering: .relaxed) }

    /// Sets the high watermark in bytes.
    public func setHighWatermark(_ bytes: Int) {
        high.store(max(1, bytes), ordering: .relaxed)
    }

    /// True while publishers should be blocked. Turns the alarm on when live bytes passed the watermark.
    public var isAlarmed: Bool {
        if alarm.load(ordering: .relaxed) || disk.load(ordering: .relaxed) { return true }
        guard live.load(ordering: .relaxed) > high.load(ordering: .relaxed) else { return false }
        alarm.store(true, ordering: .relaxed)
        return true
    }

    /// The alarm that blocks publishers now (the disk one when both are on), or nil.
    public var cause: Cause? {
        if disk.load(ordering: .relaxed) { return .disk }
        return isAlarmed ? .memory : nil
    }

    /// Times a publishing connection stopped being read, by this alarm or by an overloaded queue (`/metrics`).
    public var publisherPauses: Int { pauses.load(ordering: .relaxed) }

    /// A publishing connection stopped being read (alarm or throttle): counted for the metrics. Not per message.
    public func countPublisherPause() {
        pauses.add(1, ordering: .relaxed)
    }

    /// Runs `callback` once, on the thread that clears the alarm (or at once if it is already clear).
    /// Callbacks must only hop to their own thread.
    public func whenCleared(_ callback: @escaping @Sendable () -> Void) {
        waiters.withLock { $0.append(callback) }
        if !alarm.load(ordering: .relaxed) && !disk.load(ordering: .relaxed) { fireWaiters() }
    }

    /// True while free disk space is below `[main] free_disk_min`.
    public var isDiskAlarmed: Bool { disk.load(ordering: .relaxed) }

    /// Sets the disk alarm (the broker's free-space check calls this).
    public func setDiskAlarm(_ on: Bool) {
        let was = disk.exchange(on, ordering: .relaxed)
        if was && !on && !alarm.load(ordering: .relaxed) { fireWaiters() }
    }

    func add(_ bytes: Int) {
        live.add(bytes, ordering: .relaxed)
    }

    func remove(_ bytes: Int) {
        let now = live.subtract(bytes, ordering: .relaxed).newValue
        guard alarm.load(ordering: .relaxed), now < high.load(ordering: .relaxed) / 10 * 9 else { return }
        if alarm.compareExchange(expected: true, desired: false, ordering: .relaxed).exchanged
            && !disk.load(ordering: .relaxed)
        {
            fireWaiters()
        }
    }

    private func fireWaiters() {
        let callbacks = waiters.withLock { w -> [@Sendable () -> Void] in
            let all = w
            w.removeAll()
            return all
        }
        for c in callbacks { c() }
    }
}
