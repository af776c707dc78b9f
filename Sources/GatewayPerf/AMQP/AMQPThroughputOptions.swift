/// The options of `gatewayperf amqp throughput`, with their defaults.
struct AMQPThroughputOptions {
    var uri = AMQPURI()
    var publishers = 1
    var consumers = 1
    /// Body size in bytes; 8 or more carries the latency timestamp.
    var size = 16
    /// Maximum unconfirmed publishes per publisher; 0 turns confirms off.
    var confirm = 0
    /// basic.qos prefetch count per consumer; 0 = unlimited.
    var prefetch = 1000
    /// Consumers acknowledge (multiple=true every prefetch/2 messages); false consumes with no-ack.
    var ack = true
    var durationSeconds = 10.0
    var warmupSeconds = 1.0
    /// Messages per second per publisher; 0 = as fast as possible.
    var rate = 0.0
    var queue = "perf-test"
    var exchange = ""
    var persistent = false
    var durable = false
    var json = false

    /// Whether consumers get a timestamp to measure latency from.
    var measuresLatency: Bool { size >= 8 }

    /// How many deliveries a consumer takes before acknowledging them all with multiple=true.
    var ackEvery: Int { prefetch == 0 ? 1000 : max(1, prefetch / 2) }

    /// Parses the command line after `amqp throughput`.
    /// - Throws: `UsageError` for an unknown option or a bad value.
    init(arguments: [String]) throws(UsageError) {
        var reader = OptionReader(arguments)
        while let option = try reader.next() {
            switch option {
            case "--uri": uri = try AMQPURI(parsing: try reader.value())
            case "--publishers": publishers = try reader.integer(in: 0...10_000)
            case "--consumers": consumers = try reader.integer(in: 0...10_000)
            case "--size": size = try reader.integer(in: 0...(512 << 20))
            case "--confirm": confirm = try reader.integer(in: 0...(1 << 24))
            case "--prefetch": prefetch = try reader.integer(in: 0...65_535)
            case "--ack": ack = true
            case "--no-ack": ack = false
            case "--duration": durationSeconds = try reader.number(minimum: 0.001)
            case "--warmup": warmupSeconds = try reader.number(minimum: 0)
            case "--rate": rate = try reader.number(minimum: 0)
            case "--queue": queue = try reader.value()
            case "--exchange": exchange = try reader.value()
            case "--persistent": persistent = true
            case "--durable": durable = true
            case "--json": json = true
            default: throw UsageError("unknown option \(option) for 'amqp throughput'; see --help")
            }
        }
        guard publishers + consumers > 0 else { throw UsageError("--publishers and --consumers are both 0: nothing to do") }
        guard !queue.isEmpty, queue.utf8.count <= 255 else { throw UsageError("--queue needs a name of 1 to 255 bytes") }
        guard exchange.utf8.count <= 255 else { throw UsageError("--exchange needs a name of at most 255 bytes") }
    }
}
