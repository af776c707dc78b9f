import AMQPModel
import FrontendSupport
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

    let loop: EventLoop
    /// The frontend the loop's connections belong to. The server owns its loop contexts and outlives them, so the
    /// reference is neither counted nor checked (it is read on every publish).
    unowned(unsafe) let server: MQTTServer
    private var members: [Unmanaged<MQTTConnection>] = []
    private var timer: TimerID?
    /// Where a PUBLISH's destinations are collected (`VHost.publish`).
    var routeTargets = RouteTargets<Destination>()
    /// Where a drain takes a session queue's pending messages (`Queue.takePending`).
    var deliveryBatch: [QueueEntry] = []
    /// PUBLISHes counted for `statsExchange` (`mqtt.default` of one vhost) and not yet added to it: the exchange's
    /// own counters are touched when the vhost changes or the counters are read, never per message.
    @exclusivity(unchecked) private var exchangeDelta = ExchangeStats()
    @exclusivity(unchecked) private var statsExchange: Exchange?

    init(loop: EventLoop, server: MQTTServer) {
        self.server = server
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

    /// Counts a PUBLISH to `exchange` that reached `routed` queues or none.
    @inline(__always) func countPublish(to exchange: Exchange, routed: Bool) {
        if exchange !== statsExchange {
            statsExchange?.count(exchangeDelta)
            exchangeDelta = ExchangeStats()
            statsExchange = exchange
        }
        exchangeDelta.publishIn += 1
        if routed { exchangeDelta.publishOut += 1 }
    }

    /// The traffic of this loop's connected clients, by connection name; reports the publish counts on the way.
    func harvest() -> ClientStatistics {
        statsExchange?.count(exchangeDelta)
        exchangeDelta = ExchangeStats()
        var s = ClientStatistics()
        for m in members {
            let c = m.takeUnretainedValue()
            guard c.phase == .connected else { continue }
            s.traffic[c.connectionName] = .init(received: c.connection.bytesReceived, sent: c.connection.bytesSent)
        }
        return s
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
