/// Parses the INI dialect of LavinMQ's configuration file.
///
/// - `[section]` starts a section; sections may repeat and are merged.
/// - `key = value` sets a key; the key and value are trimmed of whitespace; the value is taken verbatim after that:
///   no quotes are removed and `#` or `;` after a value is part of it (cipher lists and passwords may contain them).
/// - Lines whose first non-blank character is `#` or `;` are comments; blank lines are ignored.
/// - A setting before any section header, a line that is neither of the above, an empty key or an empty or
///   unterminated header is an error naming the file and line.
///
/// Which sections and keys exist is not this parser's business: ``ConfigurationLoader`` checks that.
public enum INIParser {
    /// The settings of `text` in file order. `fileName` is used only in error messages.
    public static func parse(
        _ text: String, fileName: String
    ) throws(ConfigError) -> [(section: String, key: String, value: String, line: Int)] {
        try lines(text, fileName: fileName).compactMap { line in
            guard case .setting(let section, let key, let value, let number) = line else { return nil }
            return (section: section, key: key, value: value, line: number)
        }
    }

    /// The section headers and settings of `text` in file order.
    static func lines(_ text: String, fileName: String) throws(ConfigError) -> [INILine] {
        var result: [INILine] = []
        var section: String?
        var number = 0
        // "\r\n" is one Character in Swift, so split on newline Characters rather than on "\n".
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let line = rawLine.trimmed
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count >= 2 else {
                    throw ConfigError("\(fileName):\(number): section header '\(line)' has no closing ']'")
                }
                let name = line.dropFirst().dropLast().trimmed
                guard !name.isEmpty else { throw ConfigError("\(fileName):\(number): empty section name") }
                section = name
                result.append(.section(name: name, line: number))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError(
                    "\(fileName):\(number): expected 'key = value', '[section]' or a comment, found '\(line)'")
            }
            let key = line[..<equals].trimmed
            guard !key.isEmpty else { throw ConfigError("\(fileName):\(number): missing key before '='") }
            guard let section else {
                throw ConfigError("\(fileName):\(number): '\(key)' appears before any [section] header")
            }
            let value = line[line.index(after: equals)...].trimmed
            result.append(.setting(section: section, key: key, value: value, line: number))
        }
        return result
    }
}
