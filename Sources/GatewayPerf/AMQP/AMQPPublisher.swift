import AMQPWire

/// One publisher: a connection on its own thread sending batches of basic.publish as fast as the socket
/// (or `--rate`) allows, holding at most `--confirm` unconfirmed messages when confirms are on.
///
/// Each batch is one `send` of a pre-encoded `PublishBatch`; after it the publisher takes whatever the broker
/// sent (acks, nacks, connection.blocked) without blocking. With the confirm window full it blocks on the
/// socket for acks instead. Built on the main thread, then handed to its worker thread (`@unchecked Sendable`).
final class AMQPPublisher: @unchecked Sendable {
    private let connection: AMQPClientConnection
    private let batch: PublishBatch
    private var window: ConfirmWindow?
    private let counters: WorkerCounters
    private let control: RunControl
    /// Messages per second, 0 = unlimited.
    private let rate: Double
    private var published: UInt64 = 0
    private var confirmed: UInt64 = 0
    private var rejected: UInt64 = 0
    private var reportedBlocked = false

    /// How long a publisher keeps trying to finish a batch after the run ended before it drops the connection.
    private static let drainSeconds: UInt64 = 5

    /// Opens the connection (and confirm.select) on the calling thread.
    init(index: Int, options: AMQPThroughputOptions, control: RunControl, counters: WorkerCounters)
        throws(PerfError)
    {
        connection = try AMQPClientConnection(uri: options.uri, role: "publisher \(index)")
        if options.confirm > 0 {
            let reply = try connection.call(.confirmSelect(ConfirmSelect()))
            guard case .confirmSelectOk = reply else {
                throw .protocolViolation("expected confirm.select-ok, got \(reply.name)")
            }
            window = ConfirmWindow(limit: options.confirm)
        }
        batch = PublishBatch(
            exchange: options.exchange, routingKey: options.queue, bodySize: options.size,
            persistent: options.persistent, frameMax: connection.frameMax)
        self.control = control
        self.counters = counters
        rate = options.rate
    }

    /// The thread body, started when every connection is set up: publishes until the run stops, then closes the connection. Failures go to `control`.
    func run(_ schedule: RunSchedule) {
        do {
            try publishUntilStopped(schedule)
            connection.close(deadline: Nanoseconds.now() + Self.drainSeconds * 1_000_000_000)
        } catch {
            control.fail(error)
        }
    }

    private func publishUntilStopped(_ schedule: RunSchedule) throws(PerfError) {
        while !control.isStopping {
            var count = batch.capacity
            if rate > 0 {
                let now = Nanoseconds.now()
                let due = Int(Double(now - schedule.start) * rate / 1e9) - Int(published)
                if due <= 0 {
                    let next = schedule.start + UInt64(Double(published + 1) * 1e9 / rate)
                    Nanoseconds.sleep(for: min(next > now ? next - now : 0, 10_000_000))
                    try takeIncoming(wait: false)
                    continue
                }
                count = min(count, due)
            }
            if let window {
                let available = window.available
                if available == 0 {
                    try takeIncoming(wait: true)
                    continue
                }
                count = min(count, available)
            }
            guard try send(batch.prepare(count, timestamp: Nanoseconds.now())) else { return }
            window?.published(count)
            published += UInt64(count)
            counters.published.store(published, ordering: .relaxed)
            try takeIncoming(wait: false)
        }
    }

    /// Sends a whole batch, taking incoming frames while the broker does not read. Returns false when the run
    /// ended and the broker still would not take the rest within `drainSeconds`.
    private func send(_ bytes: UnsafeRawBufferPointer) throws(PerfError) -> Bool {
        var sent = 0
        var giveUpAt = UInt64.max
        while sent < bytes.count {
            sent += try connection.send(bytes.baseAddress! + sent, count: bytes.count - sent)
            guard sent < bytes.count else { break }
            try takeIncoming(wait: false)
            if control.isStopping {
                let now = Nanoseconds.now()
                if giveUpAt == .max { giveUpAt = now + Self.drainSeconds * 1_000_000_000 }
                if now > giveUpAt { return false }
            }
        }
        return true
    }

    /// Reads and handles what the broker sent; with `wait`, blocks up to 100 ms for it.
    private func takeIncoming(wait: Bool) throws(PerfError) {
        var wait = wait
        while try connection.fill(wait: wait) {
            wait = false
            while let event = try connection.nextEvent() {
                switch event {
                case .ack(let tag, let multiple):
                    confirmed += UInt64(window?.settle(tag, multiple: multiple) ?? 0)
                case .nack(let tag, let multiple):
                    rejected += UInt64(window?.settle(tag, multiple: multiple) ?? 0)
                case .method(.connectionBlocked(let blocked), _):
                    if !reportedBlocked {
                        reportedBlocked = true
                        StandardError.print("gatewayperf: the broker blocked \(connection.role): \(blocked.reason.string)")
                    }
                case .method(.basicReturn, _):
                    rejected += 1
                default:
                    break
                }
            }
        }
        counters.confirmed.store(confirmed, ordering: .relaxed)
        counters.errors.store(rejected, ordering: .relaxed)
    }
}
