import MQTTCodec

#if canImport(Glibc)
import Glibc
#endif

/// The options of `gatewayperf mqtt connections`, with their defaults.
struct MQTTConnectionsOptions {
    var uri = MQTTURI()
    /// `--tls`, `--cafile`, `--cert`, `--key`.
    var tls = TLSClientOptions()
    /// Number of idle clients to open.
    var count = 10_000
    /// Connects started per second; 0 = as fast as `concurrency` allows.
    var rate = 0.0
    /// Most connects (TCP connect or CONNACK not yet received) in flight at once. 100 stays within the listen
    /// backlog brokers use (mosquitto listens with 100, RabbitMQ with 128): beyond it the kernel drops SYNs,
    /// the client retransmits after 1 s, and the run measures that timer (200 made 5000 mosquitto connects
    /// take 1.08 s instead of 0.16 s).
    var concurrency = 100
    var keepAlive: UInt16 = 60
    /// Seconds to keep the clients connected after the last CONNACK.
    var holdSeconds = 10.0
    /// Seconds one client may take from its TCP connect to its CONNACK before it counts as failed.
    var connectTimeoutSeconds = 10.0
    /// The broker's process id, for its memory; nil = not measured.
    var pid: Int32?
    var cleanSession = true
    var clientPrefix = "gwperf-\(getpid())-"
    var json = false
    /// `--protocol 4|5`: MQTT 3.1.1 (default) or MQTT 5.0.
    var protocolVersion = MQTTProtocolVersion.v3_1_1
    /// `--ws [PATH]`: MQTT over WebSocket on that path (default `/mqtt`).
    var webSocketPath: String?

    /// Parses the command line after `mqtt connections`.
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
            case "--count": count = try reader.integer(in: 1...1_000_000)
            case "--rate": rate = try reader.number(minimum: 0)
            case "--concurrency": concurrency = try reader.integer(in: 1...100_000)
            case "--keepalive": keepAlive = UInt16(try reader.integer(in: 0...65_535))
            case "--hold": holdSeconds = try reader.number(minimum: 0)
            case "--connect-timeout": connectTimeoutSeconds = try reader.number(minimum: 0.001)
            case "--pid": pid = Int32(try reader.integer(in: 1...Int(Int32.max)))
            case "--clean-session": cleanSession = true
            case "--no-clean-session": cleanSession = false
            case "--client-prefix": clientPrefix = try reader.value()
            case "--json": json = true
            case "--protocol": protocolVersion = try reader.integer(in: 4...5) == 5 ? .v5 : .v3_1_1
            case "--ws": webSocketPath = "/mqtt"
            case "--ws-path": webSocketPath = try reader.value()
            default:
                guard try tls.take(option, from: &reader) else {
                    throw UsageError("unknown option \(option) for 'mqtt connections'; see --help")
                }
            }
        }
        if let host { uri.host = host }
        if let port { uri.port = port }
        try tls.apply(to: &uri, portGiven: port != nil)
        guard clientPrefix.utf8.count <= 40 else { throw UsageError("--client-prefix is limited to 40 bytes") }
    }
}
