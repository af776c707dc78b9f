import MQTTCodec

#if canImport(Glibc)
import Glibc
#endif

/// The options of `gatewayperf mqtt throughput`, with their defaults.
struct MQTTThroughputOptions {
    var uri = MQTTURI()
    /// `--tls`, `--cafile`, `--cert`, `--key`.
    var tls = TLSClientOptions()
    var publishers = 1
    var subscribers = 1
    /// Publish QoS and subscription QoS.
    var qos = MQTTQoS.atMostOnce
    /// Payload size in bytes; 8 or more carries the latency timestamp.
    var size = 16
    /// Topic pattern; `%d` is replaced by the publisher's number (1...publishers).
    var topic = "perf/%d"
    /// The subscribers' filter; nil derives it from `topic`.
    var explicitFilter: String?
    /// Maximum unacknowledged QoS 1/2 publishes per publisher.
    var inflight = 100
    var durationSeconds = 10.0
    var warmupSeconds = 1.0
    /// Messages per second per publisher; 0 = as fast as possible.
    var rate = 0.0
    var keepAlive: UInt16 = 60
    var cleanSession = true
    var clientPrefix = "gwperf-\(getpid())-"
    var json = false
    /// `--ws [PATH]`: MQTT over WebSocket on that path (default `/mqtt`).
    var webSocketPath: String?
    /// `--protocol 4|5`: MQTT 3.1.1 (default) or MQTT 5.0.
    var protocolVersion = MQTTProtocolVersion.v3_1_1
    /// `--topic-alias` (MQTT 5): publishers name their topic once and then send topic alias 1 with an empty topic;
    /// subscribers announce a Topic Alias Maximum, so the broker may do the same to them.
    var topicAlias = false

    /// Whether subscribers get a timestamp to measure latency from.
    var measuresLatency: Bool { size >= 8 }

    /// The filter subscribers use: `--filter`, or the topic pattern up to the level holding `%d` followed by
    /// `#` ("perf/%d" gives "perf/#"), or the topic itself when it has no `%d`.
    var filter: String {
        if let explicitFilter { return explicitFilter }
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard let varying = levels.firstIndex(where: { $0.contains("%d") }) else { return topic }
        return (levels[..<varying] + ["#"]).joined(separator: "/")
    }

    /// The topic publisher `index` (1-based) publishes to.
    func topic(forPublisher index: Int) -> String {
        topic.replacing("%d", with: String(index))
    }

    /// Parses the command line after `mqtt throughput`.
    /// - Throws: `UsageError` for an unknown option or a bad value.
    init(arguments: [String]) throws(UsageError) {
        var reader = OptionReader(arguments)
        var host: String?
        var port: UInt16?
        while let option = try reader.next() {
            switch option {
            case "--uri": uri = try MQTTURI(parsing: try reader.value())
            case "--host": host = try reader.value()
            case "--port": port = try MQTTURI.parsePort(try reader.value(), option: "--port")
            case "--publishers": publishers = try reader.integer(in: 0...10_000)
            case "--subscribers": subscribers = try reader.integer(in: 0...10_000)
            case "--qos": qos = MQTTQoS(rawValue: UInt8(try reader.integer(in: 0...2)))!
            case "--size": size = try reader.integer(in: 0...(256 << 20) - 65_536)
            case "--topic": topic = try reader.value()
            case "--filter": explicitFilter = try reader.value()
            case "--inflight": inflight = try reader.integer(in: 1...65_535)
            case "--duration": durationSeconds = try reader.number(minimum: 0.001)
            case "--warmup": warmupSeconds = try reader.number(minimum: 0)
            case "--rate": rate = try reader.number(minimum: 0)
            case "--keepalive": keepAlive = UInt16(try reader.integer(in: 0...65_535))
            case "--clean-session": cleanSession = true
            case "--no-clean-session": cleanSession = false
            case "--client-prefix": clientPrefix = try reader.value()
            case "--json": json = true
            case "--ws": webSocketPath = "/mqtt"
            case "--ws-path": webSocketPath = try reader.value()
            case "--protocol": protocolVersion = try reader.integer(in: 4...5) == 5 ? .v5 : .v3_1_1
            case "--topic-alias": topicAlias = true
            default:
                guard try tls.take(option, from: &reader) else {
                    throw UsageError("unknown option \(option) for 'mqtt throughput'; see --help")
                }
            }
        }
        if let host { uri.host = host }
        if let port { uri.port = port }
        try tls.apply(to: &uri, portGiven: port != nil)
        guard publishers + subscribers > 0 else {
            throw UsageError("--publishers and --subscribers are both 0: nothing to do")
        }
        guard !topic.isEmpty, !topic.contains("+"), !topic.contains("#") else {
            throw UsageError("--topic needs a topic name without wildcards, got '\(topic)'")
        }
        guard !filter.isEmpty else { throw UsageError("--filter needs a topic filter, got ''") }
        guard !topicAlias || protocolVersion == .v5 else { throw UsageError("--topic-alias needs --protocol 5") }
        guard clientPrefix.utf8.count <= 40 else { throw UsageError("--client-prefix is limited to 40 bytes") }
    }
}
