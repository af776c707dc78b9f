/// One subscriber: an MQTT connection on its own thread that reads big chunks, decodes every packet in them,
/// counts PUBLISHes, records end-to-end latency from the timestamp at the start of each payload, and answers
/// as MQTT 3.1.1 §4.3 requires: PUBACK for QoS 1, PUBREC for QoS 2 and PUBCOMP for the broker's PUBREL.
/// The answers to one read go out in one write.
///
/// Built on the main thread (CONNECT, SUBSCRIBE), then handed to its worker thread; the main thread reads
/// `latency` after joining it (`@unchecked Sendable`).
import MQTTCodec

final class MQTTSubscriber: @unchecked Sendable {
    private let connection: MQTTClientConnection
    private let counters: WorkerCounters
    private let control: RunControl
    private let measuresLatency: Bool
    /// Latencies of messages received in the measured window; read after the thread has finished.
    private(set) var latency = LatencyHistogram()

    /// Connects and subscribes on the calling thread.
    init(
        index: Int, options: MQTTThroughputOptions, tls: TLSClientContext?, control: RunControl, counters: WorkerCounters
    ) throws(PerfError) {
        connection = try MQTTClientConnection(
            uri: options.uri, tls: tls, webSocketPath: options.webSocketPath, version: options.protocolVersion,
            topicAliasMaximum: options.topicAlias ? 16 : 0, clientId: "\(options.clientPrefix)sub-\(index)", cleanSession: options.cleanSession,
            keepAlive: options.keepAlive, role: "subscriber \(index)")
        try connection.subscribe(filter: options.filter, qos: options.qos)
        self.control = control
        self.counters = counters
        measuresLatency = options.measuresLatency
    }

    /// The thread body, started when every connection is set up: receives until the run stops, then sends
    /// DISCONNECT. Failures go to `control`.
    func run(_ schedule: RunSchedule) {
        do {
            try receiveUntilStopped(schedule)
            connection.disconnect(deadline: Nanoseconds.now() + 5_000_000_000)
        } catch {
            control.fail(error)
        }
    }

    private func receiveUntilStopped(_ schedule: RunSchedule) throws(PerfError) {
        var consumed: UInt64 = 0
        var redelivered: UInt64 = 0
        while !control.isStopping {
            let now: UInt64
            if try connection.fill(wait: true) {
                now = Nanoseconds.now()
                let record = measuresLatency && schedule.isMeasured(now)
                while let packet = try connection.nextPacket() {
                    switch packet {
                    case .publish(let publish):
                        consumed += 1
                        if publish.dup { redelivered += 1 }
                        if record, let stamp = Self.timestamp(publish.payload), now >= stamp {
                            latency.record(now - stamp)
                        }
                        if let id = publish.packetId {
                            if publish.qos == .atLeastOnce {
                                connection.enqueue(.pubAck(MQTTPacket.PubAck(packetId: id)))
                            } else {
                                connection.enqueue(.pubRec(MQTTPacket.PubRec(packetId: id)))
                            }
                        }
                    case .pubRel(let release):
                        connection.enqueue(.pubComp(MQTTPacket.PubComp(packetId: release.packetId)))
                    case .pingResp, .subAck:
                        break
                    default:
                        throw .protocolViolation("unexpected \(packet.type) from the broker (\(connection.role))")
                    }
                }
                counters.consumed.store(consumed, ordering: .relaxed)
                counters.errors.store(redelivered, ordering: .relaxed)
            } else {
                now = Nanoseconds.now()
            }
            connection.pingIfIdle(now: now)
            try connection.flush(deadline: now + 5_000_000_000)
        }
    }

    /// The big-endian timestamp in the first 8 payload bytes, nil when the payload is shorter.
    @inline(__always)
    private static func timestamp(_ payload: [UInt8]) -> UInt64? {
        guard payload.count >= 8 else { return nil }
        return payload.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
    }
}
