/// Builds a ``GatewayConfiguration`` from defaults, an INI file, the environment and command-line flags.
///
/// Precedence (design §7): command line > environment > INI file > defaults. The sources are applied in the
/// reverse order, each overwriting what came before, so a key set in two places takes the stronger source's value.
///
/// - **Command line**: the flags of ``CommandLineFlag/all`` (see `--help`); long flags accept `--flag value` and
///   `--flag=value`, short ones `-f value`. Unknown flags and positional arguments are errors.
/// - **Environment**: `GATEWAY_<SECTION>_<KEY>` for every INI key (e.g. `GATEWAY_AMQP_PORT`,
///   `GATEWAY_MAIN_DATA_DIR`); `GATEWAY_CONFIG` names the INI file when `-c` is not given. A `GATEWAY_<SECTION>_…`
///   variable that matches no key is reported as a warning; other `GATEWAY_*` variables are left alone.
/// - **INI file**: see ``INIParser``. An unknown section is an error, an unknown key a warning.
///
/// Value syntax is the same for all three: booleans true/false, yes/no, on/off, 1/0; lists comma-separated;
/// ports 0-65535 (0 = ephemeral); byte sizes (`free_disk_min`, `segment_size`, `frame_max`, `max_message_size`,
/// `max_packet_size`) take RabbitMQ's unit suffixes: `k`/`KiB`, `m`/`MiB`, `g`/`GiB`, `t`/`TiB` are powers of 1024,
/// `kB`, `MB`, `GB`, `TB` powers of 1000 (case-insensitive); an empty value unsets an optional key.
public enum ConfigurationLoader {
    /// Parses `arguments` (without argv[0]) and `environment`, reads the INI file named by `-c`/`--config` or
    /// `GATEWAY_CONFIG`, and applies the sources in precedence order.
    ///
    /// `--help` and `--version` return as soon as they are seen, without reading any file.
    public static func load(arguments: [String], environment: [String: String]) throws(ConfigError) -> LoadResult {
        let commandLine: ParsedCommandLine
        switch try parse(arguments: arguments) {
        case .help: return .help(CommandLineFlag.usage)
        case .version: return .version
        case .run(let parsed): commandLine = parsed
        }

        var configuration = GatewayConfiguration()
        var warnings: [String] = []
        let environmentPath = environment["GATEWAY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let path = commandLine.configFile ?? environmentPath {
            try applyFile(atPath: path, to: &configuration, warnings: &warnings)
        }
        try applyEnvironment(environment, to: &configuration, warnings: &warnings)
        for setting in commandLine.settings {
            try apply(setting.key, setting.value, origin: setting.flag, to: &configuration)
        }
        try validate(configuration)
        return .run(configuration, warnings: warnings)
    }

    /// The settings found on the command line, in order.
    private struct ParsedCommandLine {
        var configFile: String?
        var settings: [(flag: String, key: ConfigKey, value: String)] = []
    }

    private enum ParsedArguments {
        case run(ParsedCommandLine)
        case help
        case version
    }

    private static func parse(arguments: [String]) throws(ConfigError) -> ParsedArguments {
        var commandLine = ParsedCommandLine()
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument.count > 1 else {
                throw ConfigError("unexpected argument '\(argument)' (see --help)")
            }
            var name = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard let flag = CommandLineFlag.named(name) else {
                throw ConfigError("unknown option '\(name)' (see --help)")
            }
            var value: String?
            if let valueName = flag.valueName {
                if let inlineValue {
                    value = inlineValue
                } else if index < arguments.endIndex {
                    value = arguments[index]
                    index += 1
                } else {
                    throw ConfigError("\(name): missing \(valueName)")
                }
            } else if inlineValue != nil {
                throw ConfigError("\(name) takes no value")
            }
            switch flag.action {
            case .help:
                return .help
            case .version:
                return .version
            case .configFile:
                guard let value, !value.isEmpty else { throw ConfigError("\(name): missing FILE") }
                commandLine.configFile = value
            case .set(let keys, let fixedValue):
                for qualifiedName in keys {
                    guard let key = ConfigKey.named(qualifiedName), let text = fixedValue ?? value else { continue }
                    commandLine.settings.append((flag: name, key: key, value: text))
                }
            }
        }
        return .run(commandLine)
    }

    private static func applyFile(
        atPath path: String, to configuration: inout GatewayConfiguration, warnings: inout [String]
    ) throws(ConfigError) {
        let text = try FileReader.text(atPath: path)
        for line in try INIParser.lines(text, fileName: path) {
            switch line {
            case .section(let name, let number):
                guard ConfigKey.sections.contains(name) else {
                    let known = ConfigKey.sections.map { "[\($0)]" }.joined(separator: ", ")
                    throw ConfigError("\(path):\(number): unknown section [\(name)] (known sections: \(known))")
                }
            case .setting(let section, let name, let value, let number):
                guard let key = ConfigKey.named("\(section).\(name)") else {
                    warnings.append("\(path):\(number): unknown key '\(name)' in [\(section)], ignored")
                    continue
                }
                try apply(key, value, origin: "\(path):\(number): [\(section)] \(name)", to: &configuration)
            }
        }
    }

    private static func applyEnvironment(
        _ environment: [String: String], to configuration: inout GatewayConfiguration, warnings: inout [String]
    ) throws(ConfigError) {
        for key in ConfigKey.all {
            if let value = environment[key.environmentName] {
                try apply(key, value, origin: key.environmentName, to: &configuration)
            }
        }
        let known = Set(ConfigKey.all.map(\.environmentName))
        let sectionPrefixes = ConfigKey.sections.map { "GATEWAY_\($0.uppercased())_" }
        for name in environment.keys.sorted() where !known.contains(name) {
            if sectionPrefixes.contains(where: { name.hasPrefix($0) }) {
                warnings.append("environment variable \(name) is not a configuration key, ignored")
            }
        }
    }

    private static func apply(
        _ key: ConfigKey, _ value: String, origin: String, to configuration: inout GatewayConfiguration
    ) throws(ConfigError) {
        do {
            try key.apply(&configuration, value)
        } catch {
            throw ConfigError("\(origin): \(error.reason)")
        }
    }

    /// Checks that need more than one key.
    private static func validate(_ configuration: GatewayConfiguration) throws(ConfigError) {
        if configuration.main.tlsKey != nil && configuration.main.tlsCert == nil {
            throw ConfigError(
                "[main] tls_key (--key) is set but tls_cert (--cert) is not; TLS needs a certificate")
        }
        if configuration.main.authBackends.contains("oauth") && configuration.oauth.jwks == nil
            && configuration.oauth.issuer == nil
        {
            throw ConfigError(
                "[main] auth_backends includes oauth, but neither [oauth] jwks (a JWKS file or URL) nor [oauth] issuer "
                    + "(for OpenID discovery of the keys) is set")
        }
    }
}
