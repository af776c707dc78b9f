import Glibc

/// An `http://` or `https://` URL reduced to what a GET needs: scheme, host, port and request target.
///
/// Accepted: `http[s]://host[:port][/path][?query]`, the host a DNS name, a dotted IPv4 address or a bracketed
/// IPv6 address (RFC 3986 §3.2.2); an empty path is `/`. Refused: other schemes, user information (credentials
/// in a URL end up in logs), fragments, percent-encoded or non-ASCII hosts, IPv6 zone identifiers, and spaces,
/// control or non-ASCII characters in the path (they would have to be percent-encoded to be valid on the wire).
struct FetchURL: Equatable, CustomStringConvertible {
    enum HostKind: Equatable {
        case name
        case ipv4
        case ipv6
    }

    let isSecure: Bool
    /// Lowercased; an IPv6 address without its brackets.
    let host: String
    let hostKind: HostKind
    let port: Int
    /// Path and query, starting with `/`.
    let target: String

    /// The `Host` header value: the host (bracketed for IPv6) and the port when it is not the scheme's default.
    var authority: String {
        let host = hostKind == .ipv6 ? "[\(self.host)]" : self.host
        return port == (isSecure ? 443 : 80) ? host : "\(host):\(port)"
    }

    var description: String { "\(isSecure ? "https" : "http")://\(authority)\(target)" }

    init(parsing text: String) throws(HTTPFetchError) {
        func invalid(_ reason: String) -> HTTPFetchError {
            HTTPFetchError(.invalidURL, "invalid URL: \(reason)")
        }
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { throw invalid("expected http:// or https://") }
        switch String(decoding: bytes[..<colon], as: UTF8.self).lowercased() {
        case "http": isSecure = false
        case "https": isSecure = true
        default: throw invalid("only http:// and https:// URLs are supported")
        }
        guard bytes[(colon + 1)...].starts(with: "//".utf8) else { throw invalid("expected '//' after the scheme") }
        let rest = bytes[(colon + 3)...]
        guard !rest.contains(UInt8(ascii: "#")) else { throw invalid("fragments (#...) are not allowed") }
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains(UInt8(ascii: "@")) else { throw invalid("user information (user@) is not allowed") }

        var hostPart: ArraySlice<UInt8>
        var portPart: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw invalid("unclosed '['") }
            hostPart = authority[(authority.startIndex + 1)..<close]
            let after = authority[(close + 1)...]
            if let colon = after.first {
                guard colon == UInt8(ascii: ":") else { throw invalid("unexpected text after ']'") }
                portPart = after.dropFirst()
            }
            let address = String(decoding: hostPart, as: UTF8.self)
            guard Self.isAddress(address, family: AF_INET6) else {
                throw invalid("'\(address)' is not an IPv6 address")
            }
            hostKind = .ipv6
        } else {
            hostPart = authority
            if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
                hostPart = authority[..<colon]
                portPart = authority[(colon + 1)...]
            }
            guard !hostPart.isEmpty else { throw invalid("no host") }
            let name = String(decoding: hostPart, as: UTF8.self)
            if hostPart.allSatisfy({ $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            {
                guard Self.isAddress(name, family: AF_INET) else { throw invalid("'\(name)' is not an IPv4 address") }
                hostKind = .ipv4
            } else {
                guard hostPart.allSatisfy(Self.isNameCharacter) else {
                    throw invalid("'\(name)' is not a host name (letters, digits, '-', '_' and '.')")
                }
                hostKind = .name
            }
        }
        host = String(decoding: hostPart, as: UTF8.self).lowercased()

        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(Self.isDigit),
                let number = Int(String(decoding: portPart, as: UTF8.self)), (1...65535).contains(number)
            else { throw invalid("the port must be a number from 1 to 65535") }
            port = number
        } else {
            port = isSecure ? 443 : 80
        }

        let targetPart = rest[authorityEnd...]
        guard targetPart.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw invalid("the path contains a space, control or non-ASCII character (percent-encode it)")
        }
        let path = String(decoding: targetPart, as: UTF8.self)
        target = path.first == "/" ? path : "/" + path
    }

    /// The URL a redirect's `Location` names (RFC 9110 §10.2.2): absolute, scheme-relative (`//host/path`),
    /// absolute-path (`/path`), query-only (`?q`) or relative to this URL's directory (`next`); a fragment is
    /// dropped.
    func resolving(location: String) throws(HTTPFetchError) -> FetchURL {
        do {
            return try resolving(reference: location)
        } catch {
            throw HTTPFetchError(.invalidURL, "the redirect's Location '\(location)' is an \(error.message)")
        }
    }

    private func resolving(reference location: String) throws(HTTPFetchError) -> FetchURL {
        var reference = Substring(location).drop { $0 == " " || $0 == "\t" }
        while reference.last == " " || reference.last == "\t" { reference.removeLast() }
        if let hash = reference.firstIndex(of: "#") { reference = reference[..<hash] }
        guard !reference.isEmpty else { throw HTTPFetchError(.invalidURL, "invalid URL: it is empty") }
        if Self.hasScheme(reference) { return try FetchURL(parsing: String(reference)) }
        if reference.hasPrefix("//") { return try FetchURL(parsing: (isSecure ? "https:" : "http:") + reference) }
        let path = target.prefix { $0 != "?" }
        let resolved: String
        if reference.hasPrefix("/") {
            resolved = String(reference)
        } else if reference.hasPrefix("?") {
            resolved = String(path) + reference
        } else {
            resolved = String(path[...(path.lastIndex(of: "/") ?? path.startIndex)]) + reference
        }
        let origin = "\(isSecure ? "https" : "http")://\(authority)"
        return try FetchURL(parsing: origin + resolved)
    }

    /// RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`.
    private static func hasScheme(_ text: Substring) -> Bool {
        guard let colon = text.firstIndex(of: ":"), let first = text.first, first.isASCII, first.isLetter else {
            return false
        }
        return text[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    private static func isAddress(_ text: String, family: Int32) -> Bool {
        var storage = in6_addr()
        return inet_pton(family, text, &storage) == 1
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isNameCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
