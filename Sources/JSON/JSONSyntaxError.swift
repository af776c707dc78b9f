/// Why a document is not valid JSON, and where (1-based line and column, counted in bytes).
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let reason: String
    /// 1-based line.
    public let line: Int
    /// 1-based column, in bytes.
    public let column: Int

    public init(reason: String, line: Int, column: Int) {
        self.reason = reason
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}
