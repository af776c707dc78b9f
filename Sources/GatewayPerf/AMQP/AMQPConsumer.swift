import AMQPValues
import AMQPWire

/// One consumer: a connection on its own thread that reads big chunks, walks every frame in them in place,
/// counts complete messages, records end-to-end latency from the timestamp at the start of each body, and
/// acknowledges with multiple=true every `ackEvery` messages (or consumes with no-ack).
///
/// Built on the main thread (basic.qos, basic.consume), then handed to its worker thread; the main thread
/// reads `latency` after joining it (`@unchecked Sendable`).
final class AMQPConsumer: @unchecked Sendable {
    private let connection: AMQPClientConnection
    private let counters: WorkerCounters
    private let control: RunControl
    private let ack: Bool
    private let ackEvery: Int
    private let measuresLatency: Bool
    /// Latencies of messages received in the measured window; read after the thread has finished.
    private(set) var latency = LatencyHistogram()

    /// Opens the connection, sets the prefetch and starts consuming `options.queue`, on the calling thread.
    init(index: Int, options: AMQPThroughputOptions, control: RunControl, counters: WorkerCounters)
        throws(PerfError)
    {
        connection = try AMQPClientConnection(uri: options.uri, role: "consumer \(index)")
        if options.ack && options.prefetch > 0 {
            let reply = try connection.call(.basicQos(BasicQos(prefetchCount: UInt16(options.prefetch))))
            guard case .basicQosOk = reply else { throw .protocolViolation("expected basic.qos-ok, got \(reply.name)") }
        }
        let reply = try connection.call(.basicConsume(BasicConsume(queue: ByteString(options.queue), noAck: !options.ack)))
        guard case .basicConsumeOk = reply else { throw .protocolViolation("expected basic.consume-ok, got \(reply.name)") }
        self.control = control
        self.counters = counters
        ack = options.ack
        ackEvery = options.ackEvery
        measuresLatency = options.measuresLatency
    }

    /// The thread body, started when every connection is set up: consumes until the run stops, then closes the connection. Failures go to `control`.
    func run(_ schedule: RunSchedule) {
        do {
            try consumeUntilStopped(schedule)
            connection.close(deadline: Nanoseconds.now() + 5_000_000_000)
        } catch {
            control.fail(error)
        }
    }

    private func consumeUntilStopped(_ schedule: RunSchedule) throws(PerfError) {
        var consumed: UInt64 = 0
        var unacked = 0
        var lastTag: UInt64 = 0
        var awaitingHeader = false
        var bodyRemaining: UInt64 = 0
        var awaitingFirstBody = false
        while !control.isStopping {
            guard try connection.fill(wait: true) else { continue }
            let now = Nanoseconds.now()
            let record = measuresLatency && schedule.isMeasured(now)
            while let event = try connection.nextEvent() {
                switch event {
                case .deliver(let tag):
                    lastTag = tag
                    awaitingHeader = true
                case .header(let bodySize):
                    guard awaitingHeader else { continue }
                    awaitingHeader = false
                    bodyRemaining = bodySize
                    awaitingFirstBody = bodySize > 0
                    if bodySize == 0 {
                        consumed += 1
                        unacked += 1
                    }
                case .body(let length, let stamp):
                    guard bodyRemaining > 0 else { continue }
                    if awaitingFirstBody {
                        awaitingFirstBody = false
                        if record, now >= stamp { latency.record(now - stamp) }
                    }
                    bodyRemaining -= min(bodyRemaining, UInt64(length))
                    if bodyRemaining == 0 {
                        consumed += 1
                        unacked += 1
                    }
                case .method(.basicCancel, _):
                    throw .protocolViolation("the broker cancelled \(connection.role) (was the queue deleted?)")
                default:
                    break
                }
            }
            counters.consumed.store(consumed, ordering: .relaxed)
            if ack && unacked >= ackEvery {
                connection.enqueue(.basicAck(BasicAck(deliveryTag: lastTag, multiple: true)))
                try connection.flush(deadline: Nanoseconds.now() + 5_000_000_000)
                unacked = 0
            }
        }
    }
}
