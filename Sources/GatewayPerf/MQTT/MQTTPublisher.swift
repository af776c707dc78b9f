/// One publisher: an MQTT connection on its own thread sending batches of PUBLISH as fast as the socket (or
/// `--rate`) allows; at QoS 1 and 2 at most `--inflight` publishes are unfinished at a time (pipelined).
///
/// Each batch is one `send` of a pre-encoded `MQTTPublishBatch`; after it the publisher takes whatever the
/// broker sent without blocking: PUBACK ends a QoS 1 flow, PUBREC is answered with PUBREL and PUBCOMP ends
/// a QoS 2 flow (MQTT 3.1.1 §4.3.3). With the window full it blocks on the socket for acknowledgements.
/// Built on the main thread, then handed to its worker thread (`@unchecked Sendable`).
import AMQPValues
import MQTTCodec

final class MQTTPublisher: @unchecked Sendable {
    private let connection: MQTTClientConnection
    private let batch: MQTTPublishBatch
    private var window: PacketIdWindow?
    private let qos: MQTTQoS
    private let counters: WorkerCounters
    private let control: RunControl
    /// Messages per second, 0 = unlimited.
    private let rate: Double
    private var published: UInt64 = 0
    private var acknowledged: UInt64 = 0
    private var errors: UInt64 = 0
    private var reportedDowngrade = false

    /// How long a publisher keeps trying to finish a batch after the run ended before it drops the connection.
    private static let drainSeconds: UInt64 = 5

    /// Connects on the calling thread.
    init(
        index: Int, options: MQTTThroughputOptions, tls: TLSClientContext?, control: RunControl, counters: WorkerCounters
    ) throws(PerfError) {
        connection = try MQTTClientConnection(
            uri: options.uri, tls: tls, webSocketPath: options.webSocketPath, version: options.protocolVersion,
            clientId: "\(options.clientPrefix)pub-\(index)", cleanSession: options.cleanSession,
            keepAlive: options.keepAlive, role: "publisher \(index)")
        qos = options.qos
        if options.qos != .atMostOnce { window = PacketIdWindow(limit: options.inflight) }
        batch = MQTTPublishBatch(
            topic: options.topic(forPublisher: index), qos: options.qos, payloadSize: options.size,
            version: options.protocolVersion, topicAlias: options.topicAlias)
        if options.topicAlias {
            // Names the topic for alias 1 once (QoS 0, no timestamp); every batch then sends the alias alone.
            connection.enqueue(
                .publish(
                    .init(
                        topic: ByteString(options.topic(forPublisher: index)), properties: [.topicAlias(1)],
                        payload: [])))
            try connection.flush(deadline: Nanoseconds.now() + 5_000_000_000)
        }
        self.control = control
        self.counters = counters
        rate = options.rate
    }

    /// The thread body, started when every connection is set up: publishes until the run stops, then sends
    /// DISCONNECT. Failures go to `control`.
    func run(_ schedule: RunSchedule) {
        do {
            try publishUntilStopped(schedule)
            connection.disconnect(deadline: Nanoseconds.now() + Self.drainSeconds * 1_000_000_000)
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
            var firstId: UInt16 = 0
            if window != nil {
                count = window!.available(upTo: count)
                if count == 0 {
                    try takeIncoming(wait: true)
                    continue
                }
                firstId = window!.take(count)
            }
            guard try send(batch.prepare(count, timestamp: Nanoseconds.now(), firstPacketId: firstId)) else { return }
            published += UInt64(count)
            counters.published.store(published, ordering: .relaxed)
            try takeIncoming(wait: false)
        }
    }

    /// Sends a whole batch, taking incoming packets while the broker does not read. Returns false when the run
    /// ended and the broker still would not take the rest within `drainSeconds`.
    private func send(_ bytes: UnsafeRawBufferPointer) throws(PerfError) -> Bool {
        var sent = 0
        var giveUpAt = UInt64.max
        while sent < bytes.count {
            sent += try connection.send(bytes.baseAddress! + sent, count: bytes.count - sent)
            guard sent < bytes.count else { break }
            // PUBRELs queued here go out after this batch: a packet is never split by another.
            try receive(wait: false)
            if control.isStopping {
                let now = Nanoseconds.now()
                if giveUpAt == .max { giveUpAt = now + Self.drainSeconds * 1_000_000_000 }
                if now > giveUpAt { return false }
            }
        }
        return true
    }

    /// Reads and handles what the broker sent (with `wait`, blocking up to 100 ms for it), then sends the
    /// PUBRELs and PINGREQ that it caused.
    private func takeIncoming(wait: Bool) throws(PerfError) {
        try receive(wait: wait)
        connection.pingIfIdle(now: Nanoseconds.now())
        try connection.flush(deadline: Nanoseconds.now() + Self.drainSeconds * 1_000_000_000)
    }

    private func receive(wait: Bool) throws(PerfError) {
        var wait = wait
        while try connection.fill(wait: wait) {
            wait = false
            while let packet = try connection.nextPacket() {
                switch packet {
                case .pubAck(let ack):
                    // A PUBACK for a QoS 2 PUBLISH breaks MQTT 3.1.1 §4.3.3, but RabbitMQ 3.x downgrades QoS 2 to
                    // QoS 1 that way: the flow is over, so it completes it (and says so once).
                    if qos != .atMostOnce, window?.complete(ack.packetId, from: .published) == true {
                        acknowledged += 1
                        if qos == .exactlyOnce && !reportedDowngrade {
                            reportedDowngrade = true
                            StandardError.print(
                                "gatewayperf: the broker answers QoS 2 PUBLISH with PUBACK (\(connection.role)): "
                                    + "it downgrades QoS 2 to QoS 1")
                        }
                    } else {
                        errors += 1
                    }
                case .pubRec(let rec):
                    if qos == .exactlyOnce, window?.received(rec.packetId) == true {
                        connection.enqueue(.pubRel(MQTTPacket.PubRel(packetId: rec.packetId)))
                    } else {
                        errors += 1
                    }
                case .pubComp(let comp):
                    if window?.complete(comp.packetId, from: .released) == true {
                        acknowledged += 1
                    } else {
                        errors += 1
                    }
                case .pingResp:
                    break
                default:
                    throw .protocolViolation("unexpected \(packet.type) from the broker (\(connection.role))")
                }
            }
        }
        counters.confirmed.store(acknowledged, ordering: .relaxed)
        counters.errors.store(errors, ordering: .relaxed)
    }
}
