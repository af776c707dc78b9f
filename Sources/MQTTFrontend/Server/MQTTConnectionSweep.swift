import Transport

/// The connect deadline and keepalive of every MQTT connection on one event loop, checked by one timer every
/// `interval` instead of a timer per connection (as mosquitto does): an idle connection costs a slot in an array,
/// not a timer closure and a heap entry. The timer runs only while the loop has MQTT connections.
///
/// Used on its loop's thread only (`@unchecked Sendable` so the server can keep one per loop). A connection joins when it is accepted and leaves when it closes, so the
/// unowned references never outlive their connections.
final class MQTTConnectionSweep: @unchecked Sendable {
    /// How often deadlines are checked: a connection is closed at most this long after its deadline passed.
    static let interval = Duration.milliseconds(250)

    private let loop: EventLoop
    private var members: [Unmanaged<MQTTConnection>] = []
    private var timer: TimerID?

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Connections watched.
    var count: Int { members.count }

    /// Starts watching `connection`.
    func add(_ connection: MQTTConnection) {
        connection.sweepSlot = members.count
        members.append(Unmanaged.passUnretained(connection))
        if timer == nil { arm() }
    }

    /// Stops watching `connection` (it closed).
    func remove(_ connection: MQTTConnection) {
        let slot = connection.sweepSlot
        guard slot >= 0, slot < members.count, members[slot].toOpaque() == Unmanaged.passUnretained(connection).toOpaque()
        else { return }
        let last = members.removeLast()
        if slot < members.count {
            members[slot] = last
            last.takeUnretainedValue().sweepSlot = slot
        }
        connection.sweepSlot = -1
        if members.isEmpty, let t = timer {
            loop.cancelTimer(t)
            timer = nil
        }
    }

    private func arm() {
        timer = loop.scheduleTimer(after: Self.interval) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.sweep()
            if !self.members.isEmpty && self.timer == nil { self.arm() }
        }
    }

    /// Checks every member; one that is past its deadline closes, which removes it (swapping the last member into
    /// its slot), so the walk goes from the end.
    private func sweep() {
        let now = loop.now
        var i = members.count - 1
        while i >= 0 {
            if i < members.count { members[i].takeUnretainedValue().checkDeadlines(now: now) }
            i -= 1
        }
    }
}
