/// What the command line asks the broker to do.
public enum LoadResult: Sendable {
    /// Start the broker with this configuration. `warnings` (unknown keys, ignored settings) should be logged.
    case run(GatewayConfiguration, warnings: [String])
    /// `--version`: print the version and exit successfully.
    case version
    /// `-h`/`--help`: print this usage text and exit successfully.
    case help(String)
}
