import AMQPModel
import Storage
import Transport

/// Checks free space on the data directory every second and sets the disk alarm below `[main] free_disk_min`
/// (publishers are blocked until space returns). Runs on one event loop's timer for the life of the process.
final class DiskMonitor: @unchecked Sendable {
    private let directory: DataDirectory
    private let minimum: Int64
    private let loop: EventLoop
    private let alarm: ResourceAlarm
    private let logger = Logger(label: "storage")

    init(directory: DataDirectory, minimum: Int64, loop: EventLoop, alarm: ResourceAlarm) {
        self.directory = directory
        self.minimum = minimum
        self.loop = loop
        self.alarm = alarm
    }

    /// Starts the periodic check (only when a minimum is configured).
    func start() {
        guard minimum > 0 else { return }
        loop.execute { self.check() }
    }

    private func check() {
        do {
            let free = Int64(clamping: try directory.freeBytes())
            let low = free < minimum
            if low != alarm.isDiskAlarmed {
                if low {
                    logger.warning(
                        "disk alarm: \(free) bytes free on the data directory, below free_disk_min \(minimum); blocking publishers"
                    )
                } else {
                    logger.info("disk alarm cleared: \(free) bytes free")
                }
                alarm.setDiskAlarm(low)
            }
        } catch {
            logger.error("cannot check free disk space: \(error)")
        }
        loop.scheduleTimer(after: .seconds(1)) { self.check() }
    }
}
