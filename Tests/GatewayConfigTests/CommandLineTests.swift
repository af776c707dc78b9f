import Testing

@testable import GatewayConfig

@Suite("Command line and environment")
struct CommandLineTests {
    @Test("every flag of design §7 sets its key, with '--flag value' and '--flag=value'")
    func flagsSetKeys() throws {
        let (c, warnings) = try loadRun([
            "-D", "/data", "--log-level=debug", "-b", "0.0.0.0", "--amqp-port", "0", "--amqps-port=0",
            "--mqtt-port", "1884", "--mqtts-port=8884", "--http-port", "0", "--cert=/c.pem", "--key", "/k.pem",
            "--no-sync", "--io-threads=3",
        ])
        #expect(warnings.isEmpty)
        #expect(c.main.dataDir == "/data")
        #expect(c.main.logLevel == .debug)
        #expect(c.amqp.bind == "0.0.0.0" && c.mqtt.bind == "0.0.0.0" && c.mgmt.bind == "0.0.0.0")
        #expect(c.amqp.port == 0 && c.amqp.tlsPort == 0)
        #expect(c.mqtt.port == 1884 && c.mqtt.tlsPort == 8884)
        #expect(c.mgmt.port == 0)
        #expect(c.main.tlsCert == "/c.pem" && c.main.tlsKey == "/k.pem")
        #expect(!c.main.sync)
        #expect(c.main.ioThreads == 3)
    }

    @Test("long spellings of short flags work too")
    func longSpellings() throws {
        let (c, _) = try loadRun(["--data-dir=/d", "-l", "error", "--bind", "::1"])
        #expect(c.main.dataDir == "/d" && c.main.logLevel == .error && c.mgmt.bind == "::1")
    }

    @Test("precedence on one key: command line > environment > file > default")
    func precedence() throws {
        let file = try TemporaryFile(contents: "[amqp]\nport = 1001\n")
        let environment = ["GATEWAY_AMQP_PORT": "1002"]
        #expect(try loadRun([]).0.amqp.port == 5672)
        #expect(try loadRun(["-c", file.path]).0.amqp.port == 1001)
        #expect(try loadRun(["-c", file.path], environment: environment).0.amqp.port == 1002)
        #expect(try loadRun(["-c", file.path, "--amqp-port", "1003"], environment: environment).0.amqp.port == 1003)
    }

    @Test("every INI key can be set as GATEWAY_<SECTION>_<KEY>")
    func environmentNames() throws {
        let (c, warnings) = try loadRun(
            [],
            environment: [
                "GATEWAY_MAIN_DATA_DIR": "/env", "GATEWAY_MAIN_DEFAULT_USER_ONLY_LOOPBACK": "false",
                "GATEWAY_MQTT_MAX_INFLIGHT_MESSAGES": "10", "GATEWAY_OAUTH_JWKS": "https://idp/jwks",
                "GATEWAY_MGMT_TLS_PORT": "443",
            ])
        #expect(warnings.isEmpty)
        #expect(c.main.dataDir == "/env")
        #expect(!c.main.defaultUserOnlyLoopback)
        #expect(c.mqtt.maxInflightMessages == 10)
        #expect(c.oauth.jwks == "https://idp/jwks")
        #expect(c.mgmt.tlsPort == 443)
        #expect(ConfigKey.all.count == Set(ConfigKey.all.map(\.environmentName)).count)
    }

    @Test("a misspelt GATEWAY_<SECTION>_ variable warns; unrelated GATEWAY_ variables are left alone")
    func unknownEnvironmentVariables() throws {
        let (_, warnings) = try loadRun(
            [], environment: ["GATEWAY_AMQP_PROT": "1", "GATEWAY_BINARY": "/usr/bin/gateway", "HOME": "/root"])
        #expect(warnings == ["environment variable GATEWAY_AMQP_PROT is not a configuration key, ignored"])
    }

    @Test("bad values name the flag or variable")
    func badValues() {
        #expect(
            configErrorMessage {
                _ = try ConfigurationLoader.load(arguments: ["--amqp-port", "abc"], environment: [:])
            }
                == "--amqp-port: 'abc' is not a port number (0-65535)")
        #expect(
            configErrorMessage {
                _ = try ConfigurationLoader.load(arguments: [], environment: ["GATEWAY_MAIN_SYNC": "perhaps"])
            } == "GATEWAY_MAIN_SYNC: 'perhaps' is not a boolean (true/false, yes/no, on/off, 1/0)")
    }

    @Test("unknown flags, stray arguments, missing and unexpected values are errors")
    func malformedCommandLines() {
        func message(_ arguments: [String]) -> String? {
            configErrorMessage { _ = try ConfigurationLoader.load(arguments: arguments, environment: [:]) }
        }
        #expect(message(["--frobnicate"]) == "unknown option '--frobnicate' (see --help)")
        #expect(message(["--frobnicate=1"]) == "unknown option '--frobnicate' (see --help)")
        #expect(message(["start"]) == "unexpected argument 'start' (see --help)")
        #expect(message(["--amqp-port"]) == "--amqp-port: missing PORT")
        #expect(message(["--no-sync=yes"]) == "--no-sync takes no value")
        #expect(message(["-c", ""]) == "-c: missing FILE")
    }

    @Test("--version and --help return without reading any file")
    func versionAndHelp() throws {
        guard case .version = try ConfigurationLoader.load(arguments: ["--version"], environment: [:]) else {
            Issue.record("expected .version")
            return
        }
        let missing = ["-c", "/nonexistent.ini"]
        guard case .help(let text) = try ConfigurationLoader.load(arguments: missing + ["-h"], environment: [:]) else {
            Issue.record("expected .help")
            return
        }
        for flag in CommandLineFlag.all.flatMap(\.names) {
            #expect(text.contains(flag), "help mentions \(flag)")
        }
        #expect(text.contains("GATEWAY_<SECTION>_<KEY>"))
        guard case .help = try ConfigurationLoader.load(arguments: ["--help"], environment: [:]) else {
            Issue.record("expected .help for --help")
            return
        }
    }

    @Test("every flag refers to existing keys")
    func flagTableIsConsistent() {
        for flag in CommandLineFlag.all {
            if case .set(let keys, _) = flag.action {
                for key in keys { #expect(ConfigKey.named(key) != nil, "\(flag.names) → \(key)") }
            }
        }
    }
}
