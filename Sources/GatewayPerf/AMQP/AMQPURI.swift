/// A parsed `amqp://user:pass@host:port/vhost` URI (the RabbitMQ URI spec, without TLS or query parameters).
///
/// User, password and vhost are percent-decoded, so the default vhost `/` is written `%2F`. An empty path
/// means `/`, as most clients treat it. IPv6 hosts go in brackets: `amqp://[::1]:5672`.
struct AMQPURI {
    var user = "guest"
    var password = "guest"
    var host = "127.0.0.1"
    var port: UInt16 = 5672
    var vhost = "/"

    /// The default, `amqp://guest:guest@127.0.0.1:5672/%2F`.
    init() {}

    /// Parses `text`.
    /// - Throws: `UsageError` naming the part that is wrong.
    init(parsing text: String) throws(UsageError) {
        guard text.hasPrefix("amqp://") else {
            if text.hasPrefix("amqps://") { throw UsageError("--uri: amqps (TLS) is not supported; use amqp://") }
            throw UsageError("--uri must start with amqp://, got '\(text)'")
        }
        var rest = Substring(text.dropFirst("amqp://".count))
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty { vhost = try Self.percentDecode(path, part: "vhost") }
        }
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try Self.percentDecode(credentials[..<colon], part: "user")
                password = try Self.percentDecode(credentials[credentials.index(after: colon)...], part: "password")
            } else {
                user = try Self.percentDecode(credentials, part: "user")
                password = ""
            }
        }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw UsageError("--uri: unclosed '[' in the host") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty {
                throw UsageError("--uri: unexpected '\(after)' after the host")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        if !hostPart.isEmpty { host = String(hostPart) }
        if let portPart {
            guard let number = UInt16(portPart), number > 0 else { throw UsageError("--uri: bad port '\(portPart)'") }
            port = number
        }
    }

    /// The URI without the password, for messages.
    var redacted: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "amqp://\(user)@\(shownHost):\(port)/\(vhost == "/" ? "%2F" : vhost)"
    }

    /// Percent-decodes one part of a URI (`part` names it in the error); shared with `MQTTURI`.
    static func percentDecode(_ text: Substring, part: String) throws(UsageError) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.next().flatMap(hexValue), let low = utf8.next().flatMap(hexValue) else {
                throw UsageError("--uri: bad percent escape in the \(part)")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
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
