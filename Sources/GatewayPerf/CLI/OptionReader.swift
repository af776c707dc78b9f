/// Walks `--name value`, `--name=value` and `--flag` arguments for a subcommand.
///
/// The subcommand drives it: `while let name = try reader.next() { switch name { ... } }`, asking for the
/// value of options that take one. Anything that is not an option is a usage error.
struct OptionReader {
    private var arguments: ArraySlice<String>
    private var inlineValue: String?
    private var current = ""

    init(_ arguments: [String]) {
        self.arguments = arguments[...]
    }

    /// The next option name (with its dashes), or nil at the end.
    /// - Throws: `UsageError` for a stray positional argument or an unused `=value`.
    mutating func next() throws(UsageError) -> String? {
        if inlineValue != nil { throw UsageError("option \(current) takes no value") }
        guard let argument = arguments.popFirst() else { return nil }
        guard argument.hasPrefix("--") || (argument.hasPrefix("-") && argument.count == 2) else {
            throw UsageError("unexpected argument '\(argument)'")
        }
        if let equals = argument.firstIndex(of: "=") {
            current = String(argument[..<equals])
            inlineValue = String(argument[argument.index(after: equals)...])
        } else {
            current = argument
        }
        return current
    }

    /// The value of the current option.
    mutating func value() throws(UsageError) -> String {
        if let inline = inlineValue {
            inlineValue = nil
            return inline
        }
        guard let value = arguments.popFirst() else { throw UsageError("option \(current) needs a value") }
        return value
    }

    /// The value of the current option as an integer in `range`.
    mutating func integer(in range: ClosedRange<Int>) throws(UsageError) -> Int {
        let text = try value()
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("option \(current) needs an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// The value of the current option as a non-negative number (seconds, rates).
    mutating func number(minimum: Double) throws(UsageError) -> Double {
        let text = try value()
        guard let number = Double(text), number.isFinite, number >= minimum else {
            throw UsageError("option \(current) needs a number >= \(minimum.formatted(decimals: 0)), got '\(text)'")
        }
        return number
    }
}
