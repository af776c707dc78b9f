/// Where and as whom the MQTT commands connect: `mqtt://user:pass@host:port` (`mqtts://` for TLS, default
/// port 8883), or `--host`/`--port`.
///
/// User and password are optional (anonymous when absent) and percent-decoded; a path or query is refused,
/// since MQTT has no vhost in the URI (Gateway and RabbitMQ take `vhost:user` in the user name instead).
/// IPv6 hosts go in brackets: `mqtt://[::1]:1883`.
struct MQTTURI {
    var host = "127.0.0.1"
    var port: UInt16 = 1883
    var user: String?
    var password: String?
    /// Whether to connect over TLS (`mqtts://` or `--tls`).
    private(set) var tls = false
    /// Whether the URI named a port (so `--tls` keeps it instead of switching to 8883).
    private(set) var hasExplicitPort = false

    /// The default, `mqtt://127.0.0.1:1883`, anonymous.
    init() {}

    /// Parses `text`.
    /// - Throws: `UsageError` naming the part that is wrong.
    init(parsing text: String) throws(UsageError) {
        let scheme: String
        if text.hasPrefix("mqtts://") {
            scheme = "mqtts://"
            tls = true
            port = 8883
        } else if text.hasPrefix("mqtt://") {
            scheme = "mqtt://"
        } else {
            throw UsageError("--uri must start with mqtt:// or mqtts://, got '\(text)'")
        }
        var authority = Substring(text.dropFirst(scheme.count))
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.contains("/"), !authority.contains("?") else {
            throw UsageError("--uri: an MQTT URI has no path or query (put a vhost in the user as vhost:user)")
        }
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try AMQPURI.percentDecode(credentials[..<colon], part: "user")
                password = try AMQPURI.percentDecode(credentials[credentials.index(after: colon)...], part: "password")
            } else {
                user = try AMQPURI.percentDecode(credentials, part: "user")
            }
        }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw UsageError("--uri: unclosed '[' in the host") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                portPart = after.dropFirst()
            } else if !after.isEmpty {
                throw UsageError("--uri: unexpected '\(after)' after the host")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        if !hostPart.isEmpty { host = String(hostPart) }
        if let portPart {
            port = try Self.parsePort(String(portPart), option: "--uri")
            hasExplicitPort = true
        }
    }

    /// Switches to TLS; the port becomes 8883 (MQTT over TLS) unless the URI or `keepingPort` says otherwise.
    mutating func enableTLS(keepingPort: Bool) {
        if !tls, !hasExplicitPort, !keepingPort { port = 8883 }
        tls = true
    }

    /// A port number from 1 to 65535.
    static func parsePort(_ text: String, option: String) throws(UsageError) -> UInt16 {
        guard let number = UInt16(text), number > 0 else { throw UsageError("\(option): bad port '\(text)'") }
        return number
    }

    /// The URI without the password, for messages.
    var redacted: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "mqtts" : "mqtt")://\(user.map { "\($0)@" } ?? "")\(shownHost):\(port)"
    }
}
