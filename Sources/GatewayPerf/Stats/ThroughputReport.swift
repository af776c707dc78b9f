/// The result of a throughput run, printed as text or as one JSON object.
///
/// Rates are averaged over the measured window (warm-up excluded); totals count the whole run.
/// Protocol-neutral: a subcommand passes its own parameters (publishers, size, confirm, qos, ...) in order.
struct ThroughputReport {
    /// "amqp throughput".
    let command: String
    /// One line describing the setup, printed above the figures.
    let setup: String
    /// The subcommand's parameters as JSON members, printed after `command`.
    let parameters: [(String, JSONValue)]
    /// Counters at the start and end of the measured window.
    let window: (start: CounterSnapshot, end: CounterSnapshot)
    /// End-to-end latencies of the measured window, or nil when the messages carry no timestamp.
    let latency: LatencyHistogram?
    /// Whether confirms were requested (the confirm line is printed only then).
    let showConfirmed: Bool

    private static let percentiles: [(String, Double)] = [
        ("p50", 0.50), ("p75", 0.75), ("p95", 0.95), ("p99", 0.99), ("p99.9", 0.999),
    ]

    private var seconds: Double { Double(window.end.time - window.start.time) / 1e9 }

    /// The latency figures in microseconds, in report order (p50, p75, p95, p99, p99.9, max); nil entries when no
    /// message was received in the window.
    private var latencyMicroseconds: [(String, Double?)]? {
        guard let latency else { return nil }
        var figures = Self.percentiles.map { name, fraction in (name, latency.percentile(fraction).map { Double($0) / 1000 }) }
        figures.append(("max", latency.total > 0 ? Double(latency.maximum) / 1000 : nil))
        return figures
    }

    /// The single JSON object `--json` prints.
    var json: String {
        let rates = window.end.rates(since: window.start)
        var members: [(String, JSONValue)] = [("tool", .string("gatewayperf")), ("command", .string(command))]
        members += parameters
        members += [
            ("duration_s", .number(seconds, decimals: 3)),
            ("published", .integer(Int64(window.end.published))),
            ("consumed", .integer(Int64(window.end.consumed))),
            ("confirmed", .integer(Int64(window.end.confirmed))),
            ("publish_rate", .number(rates.published, decimals: 1)),
            ("consume_rate", .number(rates.consumed, decimals: 1)),
            ("confirm_rate", .number(rates.confirmed, decimals: 1)),
        ]
        if let figures = latencyMicroseconds {
            members.append(("latency_us", .object(figures.map { ($0.0, $0.1.map { .number($0, decimals: 1) } ?? .null) })))
        } else {
            members.append(("latency_us", .null))
        }
        members.append(("errors", .integer(Int64(window.end.errors))))
        return JSONValue.object(members).text
    }

    /// The human-readable report.
    var text: String {
        let rates = window.end.rates(since: window.start)
        var lines = [setup, "measured over \(seconds.formatted(decimals: 2)) s"]
        lines.append("published:  \(rates.published.formatted(decimals: 0)) msg/s")
        if showConfirmed { lines.append("confirmed:  \(rates.confirmed.formatted(decimals: 0)) msg/s") }
        lines.append("consumed:   \(rates.consumed.formatted(decimals: 0)) msg/s")
        if let figures = latencyMicroseconds {
            let parts = figures.map { "\($0.0) \($0.1.map { $0.formatted(decimals: 0) } ?? "-")" }
            lines.append("latency:    " + parts.joined(separator: ", ") + " µs")
        } else {
            lines.append("latency:    not measured (--size below 8 bytes leaves no room for the timestamp)")
        }
        var totals = "totals:     published \(window.end.published)"
        if showConfirmed { totals += ", confirmed \(window.end.confirmed)" }
        totals += ", consumed \(window.end.consumed), errors \(window.end.errors)"
        lines.append(totals)
        return lines.joined(separator: "\n")
    }
}
