/// The result of `mqtt connections`, printed as text or as one JSON object.
///
/// Broker memory is VmRSS in KiB; the per-connection figure is (RSS at the end of the hold − RSS before
/// connecting) / connected clients, so it includes whatever the broker allocates per client and keeps.
struct ConnectionsReport {
    let options: MQTTConnectionsOptions
    /// From the first connect to the last CONNACK or failure.
    let connectSeconds: Double
    let connected: Int
    let failed: Int
    let dropped: Int
    /// Failure and drop reasons with their counts.
    let reasons: [String: Int]
    /// Completed TLS handshakes; nil without `--tls`.
    let handshakes: Int?
    /// From the first TCP connect to the last completed TLS handshake.
    let handshakeSeconds: Double
    let rssBefore: Int?
    /// Right after the last CONNACK.
    let rssConnected: Int?
    /// At the end of the hold, every client still open.
    let rssAfter: Int?

    private var connectRate: Double { connectSeconds > 0 ? Double(connected) / connectSeconds : 0 }

    private var handshakeRate: Double? {
        guard let handshakes else { return nil }
        return handshakeSeconds > 0 ? Double(handshakes) / handshakeSeconds : 0
    }

    private var rssPerConnection: Double? {
        guard let rssBefore, let rssAfter, connected > 0 else { return nil }
        return Double(rssAfter - rssBefore) / Double(connected)
    }

    private var sortedReasons: [(String, Int)] {
        reasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    }

    /// The single JSON object `--json` prints.
    var json: String {
        let kib: (Int?) -> JSONValue = { $0.map { .integer(Int64($0)) } ?? .null }
        let members: [(String, JSONValue)] = [
            ("tool", .string("gatewayperf")),
            ("command", .string("mqtt connections")),
            ("count", .integer(Int64(options.count))),
            ("rate", .number(options.rate, decimals: 1)),
            ("concurrency", .integer(Int64(options.concurrency))),
            ("keepalive", .integer(Int64(options.keepAlive))),
            ("hold_s", .number(options.holdSeconds, decimals: 3)),
            ("connected", .integer(Int64(connected))),
            ("failed", .integer(Int64(failed))),
            ("dropped", .integer(Int64(dropped))),
            ("connect_s", .number(connectSeconds, decimals: 3)),
            ("connect_rate", .number(connectRate, decimals: 1)),
            ("tls", .bool(options.uri.tls)),
            ("tls_verified", .bool(options.uri.tls && options.tls.caFile != nil)),
            ("tls_handshakes", handshakes.map { .integer(Int64($0)) } ?? .null),
            ("tls_handshake_s", handshakes == nil ? .null : .number(handshakeSeconds, decimals: 3)),
            ("tls_handshake_rate", handshakeRate.map { .number($0, decimals: 1) } ?? .null),
            ("pid", options.pid.map { .integer(Int64($0)) } ?? .null),
            ("rss_before_kib", kib(rssBefore)),
            ("rss_connected_kib", kib(rssConnected)),
            ("rss_after_kib", kib(rssAfter)),
            ("rss_per_connection_kib", rssPerConnection.map { .number($0, decimals: 2) } ?? .null),
            ("failures", .object(sortedReasons.map { ($0.0, .integer(Int64($0.1))) })),
        ]
        return JSONValue.object(members).text
    }

    /// The human-readable report.
    var text: String {
        var lines = [
            "mqtt connections against \(options.uri.redacted): \(options.count) clients, keepalive \(options.keepAlive) s, "
                + "up to \(options.concurrency) connects in flight"
                + (options.rate > 0 ? ", \(options.rate.formatted(decimals: 0)) connects/s" : ""),
            "connected:  \(connected) in \(connectSeconds.formatted(decimals: 2)) s "
                + "(\(connectRate.formatted(decimals: 0)) connects/s), failed \(failed)",
            "held:       \(options.holdSeconds.formatted(decimals: 1)) s, dropped by the broker \(dropped)",
        ]
        if let handshakes, let handshakeRate {
            lines.insert(
                "tls:        \(handshakes) full handshakes in \(handshakeSeconds.formatted(decimals: 2)) s "
                    + "(\(handshakeRate.formatted(decimals: 0)) handshakes/s, no session resumption, certificate "
                    + (options.tls.caFile == nil ? "not verified)" : "verified)"),
                at: 2)
        }
        if let pid = options.pid {
            let show: (Int?) -> String = { $0.map { "\($0) KiB" } ?? "-" }
            var line = "broker RSS: before \(show(rssBefore)), connected \(show(rssConnected)), after hold \(show(rssAfter))"
            if let rssPerConnection { line += ", \(rssPerConnection.formatted(decimals: 2)) KiB per connection" }
            lines.append(line + " (pid \(pid))")
        }
        for (reason, count) in sortedReasons { lines.append("failures:   \(count) x \(reason)") }
        return lines.joined(separator: "\n")
    }
}
