/// One command-line flag and what it does (design §7).
///
/// Most flags are shorthands for configuration keys; they take the same value text as the INI file, so
/// `--amqp-port 0` and `[amqp] port = 0` are parsed by the same code.
struct CommandLineFlag: Sendable {
    /// What a flag does.
    enum Action: Sendable {
        /// Names the INI file to read.
        case configFile
        /// Sets every listed key (`section.name`) to the flag's value, or to `fixedValue` for a flag without a value.
        case set(keys: [String], fixedValue: String?)
        /// Prints the version.
        case version
        /// Prints the usage text.
        case help
    }

    /// The spellings, e.g. `["-D", "--data-dir"]`.
    let names: [String]
    /// The placeholder shown in the usage text; nil for a flag that takes no value.
    let valueName: String?
    /// One line for the usage text.
    let summary: String
    let action: Action

    /// Every flag, in the order the usage text lists them.
    static let all: [CommandLineFlag] = [
        CommandLineFlag(
            names: ["-c", "--config"], valueName: "FILE",
            summary: "read this INI file (default: $GATEWAY_CONFIG, else none)", action: .configFile),
        CommandLineFlag(
            names: ["-D", "--data-dir"], valueName: "DIR", summary: "[main] data_dir (default ./gateway-data)",
            action: .set(keys: ["main.data_dir"], fixedValue: nil)),
        CommandLineFlag(
            names: ["-l", "--log-level"], valueName: "LEVEL", summary: "[main] log_level: debug, info, warning, error",
            action: .set(keys: ["main.log_level"], fixedValue: nil)),
        CommandLineFlag(
            names: ["-b", "--bind"], valueName: "ADDR", summary: "bind address of the AMQP, MQTT and HTTP listeners",
            action: .set(keys: ["amqp.bind", "mqtt.bind", "mgmt.bind"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--amqp-port"], valueName: "PORT", summary: "[amqp] port (default 5672, 0 = ephemeral)",
            action: .set(keys: ["amqp.port"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--amqps-port"], valueName: "PORT", summary: "[amqp] tls_port (default 5671)",
            action: .set(keys: ["amqp.tls_port"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--mqtt-port"], valueName: "PORT", summary: "[mqtt] port (default 1883)",
            action: .set(keys: ["mqtt.port"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--mqtts-port"], valueName: "PORT", summary: "[mqtt] tls_port (default 8883)",
            action: .set(keys: ["mqtt.tls_port"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--ws-port"], valueName: "PORT", summary: "[mqtt] ws_port: MQTT over WebSocket (default 15675)",
            action: .set(keys: ["mqtt.ws_port"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--wss-port"], valueName: "PORT", summary: "[mqtt] wss_port: MQTT over secure WebSocket (default 15676)",
            action: .set(keys: ["mqtt.wss_port"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--http-port"], valueName: "PORT", summary: "[mgmt] port (default 15672)",
            action: .set(keys: ["mgmt.port"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--cert"], valueName: "FILE", summary: "[main] tls_cert: PEM certificate, enables TLS listeners",
            action: .set(keys: ["main.tls_cert"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--key"], valueName: "FILE", summary: "[main] tls_key: PEM private key",
            action: .set(keys: ["main.tls_key"], fixedValue: nil)),
        CommandLineFlag(
            names: ["--no-sync"], valueName: nil,
            summary: "[main] sync = false: confirm without fsync (benchmarks only)",
            action: .set(keys: ["main.sync"], fixedValue: "false")),
        CommandLineFlag(
            names: ["--io-threads"], valueName: "N",
            summary: "[main] io_threads: event-loop threads (0 = one fewer than the cores, at least 1)",
            action: .set(keys: ["main.io_threads"], fixedValue: nil)),
        CommandLineFlag(names: ["--version"], valueName: nil, summary: "print the version and exit", action: .version),
        CommandLineFlag(names: ["-h", "--help"], valueName: nil, summary: "print this help and exit", action: .help),
    ]

    /// The flag spelled `name`, if there is one.
    static func named(_ name: String) -> CommandLineFlag? {
        all.first { $0.names.contains(name) }
    }

    /// The usage text returned for `--help`.
    static var usage: String {
        var text = """
            Usage: gateway [options]

            A message broker speaking AMQP 0-9-1 and MQTT 3.1/3.1.1/5.0.

            Options:

            """
        for flag in all {
            var left = flag.names.joined(separator: ", ")
            if let valueName = flag.valueName { left += " \(valueName)" }
            let padding = String(repeating: " ", count: max(1, 24 - left.count))
            text += "  \(left)\(padding)\(flag.summary)\n"
        }
        text += """

            Long options also accept --option=VALUE.
            Every INI key can be set in the environment as GATEWAY_<SECTION>_<KEY>, e.g. GATEWAY_AMQP_PORT=5673.
            Precedence: command line > environment > INI file > defaults.

            """
        return text
    }
}
