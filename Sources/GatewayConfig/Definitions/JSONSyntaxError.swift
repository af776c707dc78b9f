/// Why a definitions file is not valid JSON, and where (1-based line and column, counted in bytes).
struct JSONSyntaxError: Error, Equatable {
    let reason: String
    let line: Int
    let column: Int
}
