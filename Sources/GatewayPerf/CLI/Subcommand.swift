/// One `gatewayperf <protocol> <command>` entry point (`amqp throughput`, later `mqtt throughput`,
/// `mqtt connections`). Each lives in its own file and is listed in `SubcommandDispatcher.subcommands`.
protocol Subcommand {
    /// The words that select it, e.g. ["amqp", "throughput"].
    static var words: [String] { get }
    /// One line for the top-level usage.
    static var summary: String { get }
    /// The full usage text printed by `--help`.
    static var usage: String { get }
    /// Runs the command with the arguments that follow its words and returns the exit code.
    /// - Throws: `UsageError` for a bad command line, `PerfError` for a failed run.
    static func run(arguments: [String]) throws -> Int32
}
