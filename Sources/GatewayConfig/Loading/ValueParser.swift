/// Turns the text of one configuration value (from a file, a flag or the environment) into a typed value.
///
/// Every parser throws a ``ValueError`` that quotes the rejected text and says what was expected.
enum ValueParser {
    /// A required, non-empty string.
    static func string(_ text: String) throws(ValueError) -> String {
        guard !text.isEmpty else { throw ValueError("must not be empty") }
        return text
    }

    /// An optional string: the empty string means "not set".
    static func optionalString(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }

    /// A boolean: true/false, yes/no, on/off, 1/0, case-insensitive.
    static func bool(_ text: String) throws(ValueError) -> Bool {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ValueError("'\(text)' is not a boolean (true/false, yes/no, on/off, 1/0)")
        }
    }

    /// A decimal integer within `range`.
    static func integer(_ text: String, in range: ClosedRange<Int>) throws(ValueError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ValueError("'\(text)' is not an integer in \(range.lowerBound)-\(range.upperBound)")
        }
        return value
    }

    /// A TCP port, 0-65535; 0 asks the kernel for an ephemeral port.
    static func port(_ text: String) throws(ValueError) -> Int {
        guard let value = Int(text), (0...65535).contains(value) else {
            throw ValueError("'\(text)' is not a port number (0-65535)")
        }
        return value
    }

    /// A byte count within `range`, with an optional unit suffix following RabbitMQ's `disk_free_limit` rules,
    /// case-insensitive, optionally separated from the number by spaces:
    /// `k`/`KiB` = 1024, `m`/`MiB` = 1024², `g`/`GiB` = 1024³, `t`/`TiB` = 1024⁴;
    /// `kB` = 1000, `MB` = 1000², `GB` = 1000³, `TB` = 1000⁴; `B` or no suffix = bytes.
    static func byteSize(_ text: String, in range: ClosedRange<Int64>) throws(ValueError) -> Int64 {
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        let unit = text.dropFirst(digits.count).trimmed.lowercased()
        let multipliers: [String: Int64] = [
            "": 1, "b": 1,
            "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20,
            "g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
            "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
        ]
        let expected =
            "a byte size in \(range.lowerBound)-\(range.upperBound)"
            + " (a number with an optional unit such as 512KiB or 50MB)"
        guard let number = Int64(digits), let multiplier = multipliers[unit] else {
            throw ValueError("'\(text)' is not \(expected)")
        }
        let (value, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow, range.contains(value) else { throw ValueError("'\(text)' is not \(expected)") }
        return value
    }

    /// A comma-separated list; items are trimmed and empty items dropped.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map(\.trimmed).filter { !$0.isEmpty }
    }

    /// A log level name; "warn" is accepted for warning.
    static func logLevel(_ text: String) throws(ValueError) -> LogLevel {
        guard let level = LogLevel(name: text) else {
            throw ValueError("'\(text)' is not a log level (debug, info, warning, error)")
        }
        return level
    }

    /// A TLS protocol version, "1.0" to "1.3"; "TLSv1.2" and "tls1.2" spellings are normalised to "1.2".
    static func tlsVersion(_ text: String) throws(ValueError) -> String {
        var version = Substring(text.lowercased())
        if version.hasPrefix("tlsv") {
            version = version.dropFirst(4)
        } else if version.hasPrefix("tls") {
            version = version.dropFirst(3)
        }
        guard ["1.0", "1.1", "1.2", "1.3"].contains(version) else {
            throw ValueError("'\(text)' is not a TLS version (1.0, 1.1, 1.2, 1.3)")
        }
        return String(version)
    }

    /// The authentication chain: a non-empty list of known backends, without repeats.
    static func authBackends(_ text: String) throws(ValueError) -> [String] {
        let known = ["local", "oauth"]
        let backends = list(text)
        guard !backends.isEmpty else { throw ValueError("must name at least one backend (local, oauth)") }
        for backend in backends where !known.contains(backend) {
            throw ValueError("'\(backend)' is not an authentication backend (local, oauth)")
        }
        guard Set(backends).count == backends.count else { throw ValueError("'\(text)' names a backend twice") }
        return backends
    }

    /// An MQTT client id validation mode.
    static func clientIdValidation(_ text: String) throws(ValueError) -> ClientIdValidation {
        guard let mode = ClientIdValidation(rawValue: text.lowercased()) else {
            throw ValueError("'\(text)' is not a client id validation mode (none, username)")
        }
        return mode
    }
}
