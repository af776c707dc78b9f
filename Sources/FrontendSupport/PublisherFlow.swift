import AMQPModel
import Transport

/// One client connection's publisher flow control, the same for AMQP and MQTT: reading stops while the broker's
/// resource alarm is on (memory or disk) and while a queue the client published into is overloaded
/// (`PublisherThrottle`), and resumes when neither holds.
///
/// The state lives in the connection (`PublisherFlowHost.publisherFlow`); the behaviour is the host's protocol
/// extension, so both frontends run the same code on their connection's loop.
public struct PublisherFlow {
    var throttle = PublisherThrottle()
    var throttleTimer: TimerID?
    /// Reading is paused by the resource alarm.
    public internal(set) var blockedByAlarm = false

    /// Not paused.
    public init() {}

    /// True while a queue this connection published into keeps it paused.
    public var isThrottled: Bool { throttle.isEngaged }
}

/// A connection that publishes into the broker and owns a `PublisherFlow`. Every requirement is called on the
/// connection's own loop.
public protocol PublisherFlowHost: AnyObject, Sendable {
    /// The flow-control state.
    var publisherFlow: PublisherFlow { get set }
    /// The loop the connection lives on.
    var eventLoop: EventLoop { get }
    /// The socket whose reading is paused and resumed.
    var connection: TCPConnection { get }
    /// True while the connection takes publishes (after login, before close).
    var acceptsPublishes: Bool { get }
    /// True when `queue` is consumed over this connection: its acks arrive on this socket, so it never throttles it.
    func consumes(from queue: Queue) -> Bool
    /// Reading stopped for `cause`: log it, and tell the client where the protocol can (AMQP `connection.blocked`).
    func publishingBlocked(by cause: ResourceAlarm.Cause, alarm: ResourceAlarm)
    /// The alarm cleared and reading resumes (unless the throttle still holds it).
    func publishingUnblocked()
}

extension PublisherFlowHost {
    /// Applies flow control after one routed publish: throttles on the queue that reported overload, blocks while
    /// `alarm` is on.
    @inline(__always)
    public func publishRouted(overloaded: Queue?, alarm: ResourceAlarm) {
        if let overloaded { throttlePublisher(on: overloaded, alarm: alarm) }
        if alarm.isAlarmed { blockPublisher(alarm) }
    }

    /// A queue this connection published into does not keep up: stop reading until it drains (counted on `alarm`).
    public func throttlePublisher(on queue: Queue, alarm: ResourceAlarm) {
        guard acceptsPublishes, !publisherFlow.throttle.isWaiting(on: queue), !consumes(from: queue) else { return }
        guard publisherFlow.throttle.engage(queue, now: eventLoop.now) else { return }
        alarm.countPublisherPause()
        connection.setReadingPaused(true)
        pollThrottle()
    }

    private func pollThrottle() {
        publisherFlow.throttleTimer = eventLoop.scheduleTimer(after: PublisherThrottle.pollInterval) { [weak self] in
            guard let self else { return }
            self.publisherFlow.throttleTimer = nil
            guard self.acceptsPublishes else { return }
            guard self.publisherFlow.throttle.shouldResume(now: self.eventLoop.now) else { return self.pollThrottle() }
            self.connection.setReadingPaused(self.publisherFlow.blockedByAlarm)
        }
    }

    /// The resource alarm is on: stop reading from this connection until it clears.
    public func blockPublisher(_ alarm: ResourceAlarm) {
        guard !publisherFlow.blockedByAlarm, acceptsPublishes, let cause = alarm.cause else { return }
        publisherFlow.blockedByAlarm = true
        alarm.countPublisherPause()
        publishingBlocked(by: cause, alarm: alarm)
        connection.setReadingPaused(true)
        let loop = eventLoop
        let host = WeakHost(self)
        alarm.whenCleared { loop.execute { host.value?.unblockPublisher() } }
    }

    private func unblockPublisher() {
        guard publisherFlow.blockedByAlarm else { return }
        publisherFlow.blockedByAlarm = false
        guard acceptsPublishes else { return }
        publishingUnblocked()
        connection.setReadingPaused(publisherFlow.throttle.isEngaged)
    }

    /// The connection closed: stop polling the throttle.
    public func stopPublisherFlow() {
        if let t = publisherFlow.throttleTimer {
            eventLoop.cancelTimer(t)
            publisherFlow.throttleTimer = nil
        }
    }
}

/// A weak reference to a connection that `@Sendable` closures can carry to its loop.
private struct WeakHost<Host: AnyObject & Sendable>: Sendable {
    weak var value: Host?

    init(_ value: Host) { self.value = value }
}
