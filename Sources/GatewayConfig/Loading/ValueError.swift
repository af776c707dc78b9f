/// Why a single configuration value was rejected, without saying where it came from.
///
/// ``ConfigurationLoader`` prefixes the origin (file and line, flag, or environment variable) and turns it into a
/// ``ConfigError``, so each value parser is written once for every source.
struct ValueError: Error {
    /// What is wrong with the value, e.g. `'abc' is not a port number (0-65535)`.
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
