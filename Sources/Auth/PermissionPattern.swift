/// One permission regular expression, compiled once.
///
/// The only place that knows the regex engine (Swift's `Regex`), so it can be swapped. Matching is
/// unanchored (RabbitMQ runs `re:run` without anchors) and over Unicode scalars, the closest Swift
/// `Regex` gets to PCRE. The empty pattern denies everything instead of matching everything.
///
/// `@unchecked Sendable`: `Regex<AnyRegexOutput>` is not `Sendable` only because `AnyRegexOutput` is not;
/// the regex itself is an immutable value. Its one piece of lazy state, the lowered program, is created
/// in `init` by a first match, before the pattern can be shared, and never changes afterwards.
struct PermissionPattern: @unchecked Sendable {
    let source: String
    /// Nil for the empty pattern.
    private let regex: Regex<AnyRegexOutput>?

    /// Compiles `source`; the error names `field` ("configure", "topic write", …) and `reportedAs`
    /// (the pattern as the user wrote it, when `source` is an expansion of it) or else `source`.
    init(_ source: String, field: String, reportedAs: String? = nil) throws(AuthError) {
        self.source = source
        if source.isEmpty {
            regex = nil
            return
        }
        do {
            let compiled = try Regex(source).matchingSemantics(.unicodeScalar)
            _ = try? compiled.firstMatch(in: "")
            regex = compiled
        } catch {
            throw AuthError.invalidPattern(reportedAs ?? source, field: field, reason: "\(error)")
        }
    }

    /// True when the pattern matches anywhere in `name`.
    func matches(_ name: String) -> Bool {
        guard let regex else { return false }
        return (try? regex.firstMatch(in: name)) != nil
    }

    /// `value` as a pattern that matches exactly `value`, to splice into a larger pattern: ASCII letters and digits
    /// as they are, ASCII punctuation, symbols and space backslash-escaped, and every other scalar (controls and all
    /// of non-ASCII) as `\u{hex}`.
    ///
    /// `Regex` parses its source as Characters (grapheme clusters), so a literal non-ASCII scalar could fuse with
    /// its neighbour: `'` followed by a combining mark became the invalid escape `\'` + mark, and a pattern built
    /// from such a name (an OAuth scope, an expanded `{client_id}`) failed to compile. Escaped output is plain
    /// ASCII, and no two of its scalars form one Character.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            if scalar.isASCII, scalar.properties.numericType != nil || scalar.properties.isAlphabetic {
                out.unicodeScalars.append(scalar)
            } else if scalar.isASCII, scalar == " " || scalar.properties.generalCategory.isPunctuationOrSymbol {
                out.append("\\")
                out.unicodeScalars.append(scalar)
            } else {
                out.append("\\u{\(String(scalar.value, radix: 16, uppercase: true))}")
            }
        }
        return out
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isPunctuationOrSymbol: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            true
        default:
            false
        }
    }
}
