import AMQPValues
import AMQPWire

/// `gatewayperf amqp throughput`: publishers and consumers on one queue, each its own connection and thread;
/// reports publish, confirm and consume rates over the measured window and end-to-end latency.
enum AMQPThroughputCommand: Subcommand {
    static let words = ["amqp", "throughput"]
    static let summary = "publish and consume through one queue; rates and latency"
    static let usage = """
        usage: gatewayperf amqp throughput [options]

        Publishers and consumers on one queue of any AMQP 0-9-1 broker; each is its own connection and thread.
        Reports published, confirmed and consumed msg/s over the measured window (after the warm-up) and
        end-to-end latency percentiles (publisher and consumer share this host's monotonic clock).

          --uri URI          amqp://user:pass@host:port/vhost (default amqp://guest:guest@127.0.0.1:5672/%2F)
          --publishers N     publishing connections (default 1)
          --consumers N      consuming connections (default 1)
          --size BYTES       message body size (default 16; latency needs at least 8)
          --confirm N        publisher confirms, at most N unconfirmed messages per publisher (default 0: off)
          --prefetch N       basic.qos prefetch count per consumer, 0 = unlimited (default 1000)
          --ack              consumers acknowledge, multiple=true every prefetch/2 messages (default)
          --no-ack           consumers consume with no-ack
          --duration SECONDS measured time (default 10)
          --warmup SECONDS   time before measuring, excluded from the figures (default 1)
          --rate MSG_PER_S   messages per second per publisher, 0 = as fast as possible (default 0)
          --queue NAME       queue to use; declared and purged first (default perf-test)
          --durable          declare the queue durable (with --persistent: messages are written to disk)
          --exchange NAME    exchange to publish to, routing key = queue; the queue is bound to it
                             ("" = default exchange, the default)
          --persistent       publish with delivery_mode 2
          --json             print one JSON object on stdout instead of the text report
          --help             this text

        Progress goes to stderr every second. Exit codes: 0 done, 1 the run failed, 2 bad command line.

        """

    static func run(arguments: [String]) throws -> Int32 {
        let options = try AMQPThroughputOptions(arguments: arguments)
        try prepareQueue(options)

        let control = RunControl()
        var consumers: [AMQPConsumer] = []
        var publishers: [AMQPPublisher] = []
        var counters: [WorkerCounters] = []
        for i in 0..<options.consumers {
            let tally = WorkerCounters()
            counters.append(tally)
            consumers.append(try AMQPConsumer(index: i + 1, options: options, control: control, counters: tally))
        }
        for i in 0..<options.publishers {
            let tally = WorkerCounters()
            counters.append(tally)
            publishers.append(try AMQPPublisher(index: i + 1, options: options, control: control, counters: tally))
        }

        // The clock starts once every connection is ready, so set-up time is not part of the run.
        let schedule = RunSchedule(warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds)
        let workers: [@Sendable () -> Void] =
            consumers.map { c -> @Sendable () -> Void in { c.run(schedule) } }
            + publishers.map { p -> @Sendable () -> Void in { p.run(schedule) } }
        let window = try control.run(
            workers, schedule: schedule, counters: counters, showConfirmed: options.confirm > 0)
        let latency = options.measuresLatency ? LatencyHistogram.merged(consumers.map(\.latency)) : nil
        let report = ThroughputReport(
            command: words.joined(separator: " "),
            setup: setupLine(options),
            parameters: [
                ("publishers", .integer(Int64(options.publishers))),
                ("consumers", .integer(Int64(options.consumers))),
                ("size", .integer(Int64(options.size))),
                ("confirm", .integer(Int64(options.confirm))),
                ("prefetch", .integer(Int64(options.prefetch))),
            ],
            window: window, latency: latency, showConfirmed: options.confirm > 0)
        print(options.json ? report.json : report.text)
        return 0
    }

    /// The first line of the text report: what ran against what.
    private static func setupLine(_ options: AMQPThroughputOptions) -> String {
        var line = "amqp throughput against \(options.uri.redacted): \(options.publishers) publisher(s) -> "
        line += "\(options.consumers) consumer(s), \(options.size) B"
        line += options.persistent ? " persistent" : ""
        line += options.durable ? " durable queue" : ""
        line += options.confirm > 0 ? ", confirm window \(options.confirm)" : ", no confirms"
        line += options.ack ? ", prefetch \(options.prefetch), ack every \(options.ackEvery)" : ", no-ack"
        if options.rate > 0 { line += ", \(options.rate.formatted(decimals: 0)) msg/s per publisher" }
        return line
    }

    /// Declares the queue (durable with `--durable`, not auto-delete), binds it to `--exchange` if given, and purges it,
    /// on a short-lived connection that also checks the broker, the credentials and the vhost once.
    private static func prepareQueue(_ options: AMQPThroughputOptions) throws(PerfError) {
        let setup = try AMQPClientConnection(uri: options.uri, role: "setup connection")
        let queue = ByteString(options.queue)
        let declared = try setup.call(
            .queueDeclare(QueueDeclare(queue: queue, durable: options.durable, autoDelete: false)))
        guard case .queueDeclareOk = declared else {
            throw .protocolViolation("expected queue.declare-ok, got \(declared.name)")
        }
        if !options.exchange.isEmpty {
            let bound = try setup.call(
                .queueBind(QueueBind(queue: queue, exchange: ByteString(options.exchange), routingKey: queue)))
            guard case .queueBindOk = bound else {
                throw .protocolViolation("expected queue.bind-ok, got \(bound.name)")
            }
        }
        let purged = try setup.call(.queuePurge(QueuePurge(queue: queue)))
        guard case .queuePurgeOk = purged else {
            throw .protocolViolation("expected queue.purge-ok, got \(purged.name)")
        }
        setup.close(deadline: Nanoseconds.now() + 5_000_000_000)
    }
}
