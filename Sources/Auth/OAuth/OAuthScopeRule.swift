/// One permission scope, `<configure|write|read>:<vhost>/<name-glob>[/<routing-key-glob>]` (RabbitMQ's and
/// LavinMQ's OAuth2 scope format), with its parts URL-decoded.
///
/// The parts are globs where `*` matches any run of characters (dots and slashes included); everything else
/// is literal. A vhost named `/` is written `%2F`.
struct OAuthScopeRule: Sendable, Equatable {
    let kind: PermissionKind
    let vhost: String
    let name: String
    let routingKey: String?

    /// The rule a prefix-stripped scope describes, or nil when it is not a permission scope: an unknown kind,
    /// not two or three `/`-separated parts, an empty part, or a bad `%` escape.
    init?(_ scope: Substring) {
        guard let colon = scope.firstIndex(of: ":") else { return nil }
        switch scope[..<colon] {
        case "configure": kind = .configure
        case "write": kind = .write
        case "read": kind = .read
        default: return nil
        }
        let parts = scope[scope.index(after: colon)...].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        var decoded: [String] = []
        for part in parts {
            guard !part.isEmpty, let text = Self.percentDecode(part) else { return nil }
            decoded.append(text)
        }
        vhost = decoded[0]
        name = decoded[1]
        routingKey = decoded.count == 3 ? decoded[2] : nil
    }

    /// True when `glob` (`*` = any run of characters) matches all of `text`.
    static func globMatches(_ glob: String, _ text: String) -> Bool {
        let pattern = Array(glob.unicodeScalars)
        let subject = Array(text.unicodeScalars)
        var p = 0
        var s = 0
        var starP = -1
        var starS = 0
        while s < subject.count {
            if p < pattern.count, pattern[p] != "*", pattern[p] == subject[s] {
                p += 1
                s += 1
            } else if p < pattern.count, pattern[p] == "*" {
                starP = p
                starS = s
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starS += 1
                s = starS
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// An anchored regular expression matching exactly what any of `globs` matches; `""` (deny) when empty.
    ///
    /// A run of `*` becomes one `.*`: it matches the same, and `Regex` backtracks, so the `.*.*…` of a long run
    /// made every failed match exponential in the run's length (found by fuzzing: a scope with a hundred `*`s hung
    /// the first permission check). Globs split on Unicode scalars, as `globMatches` reads them.
    static func regex(anyOf globs: [String]) -> String {
        var seen = Set<String>()
        let alternatives = globs.filter { seen.insert($0).inserted }.map { glob in
            let pieces = glob.unicodeScalars.split(separator: "*", omittingEmptySubsequences: false)
            return pieces.indices.filter { !pieces[$0].isEmpty || $0 == pieces.startIndex || $0 == pieces.endIndex - 1 }
                .map { PermissionPattern.escape(String(pieces[$0])) }
                .joined(separator: ".*")
        }
        switch alternatives.count {
        case 0: return ""
        case 1: return "^" + alternatives[0] + "$"
        default: return "^(?:" + alternatives.joined(separator: "|") + ")$"
        }
    }

    /// `%XX` escapes decoded as UTF-8 (RFC 3986 §2.1); nil for a truncated escape, a non-hex digit or
    /// bytes that are not UTF-8.
    private static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let c = utf8.next() {
            guard c == UInt8(ascii: "%") else {
                bytes.append(c)
                continue
            }
            guard let h = utf8.next().flatMap(hexValue), let l = utf8.next().flatMap(hexValue) else { return nil }
            bytes.append(h << 4 | l)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
