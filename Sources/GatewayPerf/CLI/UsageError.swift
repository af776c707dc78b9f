/// A mistake on the command line: unknown subcommand or option, missing or malformed value.
///
/// Reported as one line on stderr with exit code 2, so scripts can tell it from a failed run (exit 1).
struct UsageError: Error, CustomStringConvertible {
    /// What was wrong, phrased so the user can fix the command line.
    let message: String

    init(_ message: String) { self.message = message }

    var description: String { message }
}
