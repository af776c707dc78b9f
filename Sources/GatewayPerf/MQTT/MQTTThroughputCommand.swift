/// `gatewayperf mqtt throughput`: MQTT publishers and subscribers, each its own connection and thread;
/// reports publish, acknowledge and delivery rates over the measured window and end-to-end latency.
enum MQTTThroughputCommand: Subcommand {
    static let words = ["mqtt", "throughput"]
    static let summary = "MQTT publishers -> subscribers; rates and latency"
    static let usage = """
        usage: gatewayperf mqtt throughput [options]

        MQTT 3.1.1 publishers and subscribers against any broker; each is its own connection and thread.
        Publisher N publishes to the topic pattern with %d = N; every subscriber subscribes to the filter, so
        with the default "perf/#" each subscriber receives every publisher's messages:
          1 -> 1    --publishers 1 --subscribers 1
          fan-out   --publishers 1 --subscribers 10   (every message delivered 10 times)
          fan-in    --publishers 10 --subscribers 1
        Reports published, acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP) and consumed msg/s over the measured
        window (after the warm-up); consumed counts deliveries summed over the subscribers. End-to-end latency
        comes from a monotonic timestamp in the first 8 payload bytes (publishers and subscribers share this
        host's clock).

          --uri URI          mqtt[s]://user:pass@host:port (default mqtt://127.0.0.1:1883, anonymous)
          --host HOST        broker host (overrides --uri)
          --port PORT        broker port (overrides --uri)
          --publishers N     publishing connections (default 1)
          --subscribers N    subscribing connections (default 1)
          --qos 0|1|2        publish QoS and subscription QoS (default 0)
          --size BYTES       payload size (default 16; latency needs at least 8)
          --topic PATTERN    topic to publish to, %d = publisher number from 1 (default perf/%d)
          --filter FILTER    what subscribers subscribe to (default: the pattern up to the %d level + "#",
                             so perf/# for the default topic; the topic itself when it has no %d)
          --inflight N       QoS 1/2: at most N unacknowledged publishes per publisher (default 100)
          --duration SECONDS measured time (default 10)
          --warmup SECONDS   time before measuring, excluded from the figures (default 1)
          --rate MSG_PER_S   messages per second per publisher, 0 = as fast as possible (default 0)
          --keepalive SECONDS keepalive announced in CONNECT; PINGREQ after half of it idle (default 60)
          --clean-session    connect with clean session 1 (default)
          --no-clean-session connect with clean session 0 (the broker keeps the sessions afterwards)
          --client-prefix P  client ids are P + "pub-N" / "sub-N" (default gwperf-<pid>-)
          --json             print one JSON object on stdout instead of the text report
          --ws               MQTT over WebSocket on the path /mqtt (the port is the broker's WebSocket port)
          --ws-path PATH     MQTT over WebSocket on PATH
          --protocol 4|5     MQTT 3.1.1 (4, default) or MQTT 5.0 (5)
          --topic-alias      MQTT 5: publish by topic alias after naming the topic once; subscribers accept
                             topic aliases from the broker
          --help             this text
        \(TLSClientOptions.usage)

        With TLS each connection makes a full handshake (TLS 1.2 or later) before CONNECT; set-up time is not
        part of the measured window.

        errors in the report: acknowledgements for packet ids not in flight plus deliveries with DUP=1.
        Progress goes to stderr every second. Exit codes: 0 done, 1 the run failed, 2 bad command line.

        """

    static func run(arguments: [String]) throws -> Int32 {
        let options = try MQTTThroughputOptions(arguments: arguments)
        let tls = options.uri.tls ? try TLSClientContext(options: options.tls, use: .throughput) : nil
        let control = RunControl()
        var subscribers: [MQTTSubscriber] = []
        var publishers: [MQTTPublisher] = []
        var counters: [WorkerCounters] = []
        // Subscribers first, so every message published after the start has somewhere to go.
        for i in 0..<options.subscribers {
            let tally = WorkerCounters()
            counters.append(tally)
            subscribers.append(
                try MQTTSubscriber(index: i + 1, options: options, tls: tls, control: control, counters: tally))
        }
        for i in 0..<options.publishers {
            let tally = WorkerCounters()
            counters.append(tally)
            publishers.append(
                try MQTTPublisher(index: i + 1, options: options, tls: tls, control: control, counters: tally))
        }

        // The clock starts once every connection is ready, so set-up time is not part of the run.
        let schedule = RunSchedule(warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds)
        let acknowledges = options.qos != .atMostOnce
        let workers: [@Sendable () -> Void] =
            subscribers.map { c -> @Sendable () -> Void in { c.run(schedule) } }
            + publishers.map { p -> @Sendable () -> Void in { p.run(schedule) } }
        let window = try control.run(workers, schedule: schedule, counters: counters, showConfirmed: acknowledges)
        let latency = options.measuresLatency ? LatencyHistogram.merged(subscribers.map(\.latency)) : nil
        let report = ThroughputReport(
            command: words.joined(separator: " "),
            setup: setupLine(options),
            parameters: [
                ("publishers", .integer(Int64(options.publishers))),
                ("subscribers", .integer(Int64(options.subscribers))),
                ("qos", .integer(Int64(options.qos.rawValue))),
                ("size", .integer(Int64(options.size))),
                ("inflight", .integer(Int64(options.inflight))),
                ("rate", .number(options.rate, decimals: 1)),
            ],
            window: window, latency: latency, showConfirmed: acknowledges)
        print(options.json ? report.json : report.text)
        return 0
    }

    /// How the broker's certificate is checked, for the report (empty without TLS).
    static func tlsNote(_ options: MQTTThroughputOptions) -> String {
        guard options.uri.tls else { return "" }
        return options.tls.caFile == nil ? " (TLS, certificate not verified)" : " (TLS, verified)"
    }

    /// The first line of the text report: what ran against what.
    private static func setupLine(_ options: MQTTThroughputOptions) -> String {
        var line =
            "mqtt throughput against \(options.uri.redacted)\(tlsNote(options)): \(options.publishers) publisher(s) -> "
        line +=
            "\(options.subscribers) subscriber(s) on '\(options.filter)', QoS \(options.qos.rawValue), \(options.size) B"
        if options.qos != .atMostOnce { line += ", inflight \(options.inflight)" }
        if options.rate > 0 { line += ", \(options.rate.formatted(decimals: 0)) msg/s per publisher" }
        return line
    }
}
