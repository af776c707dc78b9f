import AMQPModel
import Transport

/// What the MQTT connections of one event loop share, so that an idle connection carries none of it:
/// - the deadline sweep: the connect deadline and keepalive of every connection, checked by one timer every
///   `interval` instead of a timer per connection (as mosquitto does); the timer runs only while the loop has MQTT
///   connections;
/// - scratch buffers for routing a PUBLISH and for draining a session queue, reused by every connection (both
///   are used synchronously on the loop thread and never re-entered).
///
/// Used on its loop's thread only (`@unchecked Sendable` so the server can keep one per loop). A connection joins when it is accepted and leaves when it closes, so the
/// unowned references never outlive their connections.
final class MQTTLoopContext: @unchecked Sendable {
    /// How often deadlines are checked: a connection is closed at most this long after its deadline passed.
    static let interval = Duration.milliseconds(250)

    private let loop: EventLoop
    private var members: [Unmanaged<MQTTConnection>] = []
    private var timer: TimerID?
    /// Where a PUBLISH's destinations are collected (`VHost.publish`).
    var routeTargets = RouteTargets<Destination>()
    /// Where a drain takes a session queue's pending messages (`Queue.takePending`).
    var deliveryBatch: [QueueEntry] = []

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Connections watched.
    var count: Int { members.count }

    /// Starts watching `connection`.
    func add(_ connection: MQTTConnection) {
        connection.sweepSlot = Int32(members.count)
        members.append(Unmanaged.passUnretained(connection))
        if timer == nil { arm() }
    }

    /// Stops watching `connection` (it closed).
    func remove(_ connection: MQTTConnection) {
        let slot = Int(connection.sweepSlot)
        guard slot >= 0, slot < members.count, members[slot].toOpaque() == Unmanaged.passUnretained(connection).toOpaque()
        else { return }
        let last = members.removeLast()
        if slot < members.count {
            members[slot] = last
            last.takeUnretainedValue().sweepSlot = Int32(slot)
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
