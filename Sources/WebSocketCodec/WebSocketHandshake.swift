import Bytes
import COpenSSL
import HTTPCodec

/// The opening handshake of a WebSocket server (RFC 6455 §4.2): checks a client's upgrade request and answers
/// `101 Switching Protocols`, or says which HTTP error to answer instead (the connection then closes).
public struct WebSocketHandshake: Sendable {
    /// Request paths served (MQTT: `/mqtt` and `/ws`).
    public let paths: Set<String>
    /// Subprotocols the server speaks, in its order of preference (MQTT: `mqtt`).
    public let subprotocols: [String]

    public init(paths: Set<String>, subprotocols: [String]) {
        self.paths = paths
        self.subprotocols = subprotocols
    }

    /// A refused upgrade: the status, extra headers and why.
    public struct Refusal: Error, Sendable, Equatable {
        public let status: HTTPStatus
        public let headers: [String: String]
        public let reason: String
    }

    /// The answer to `request`: the 101 response bytes and the subprotocol chosen, or why not.
    public func accept(_ request: HTTPRequest) -> Result<(response: [UInt8], subprotocol: String?), Refusal> {
        func refuse(_ status: HTTPStatus, _ reason: String, _ headers: [String: String] = [:]) -> Result<
            (response: [UInt8], subprotocol: String?), Refusal
        > {
            .failure(Refusal(status: status, headers: headers, reason: reason))
        }
        guard request.method == "GET" else {
            return refuse(.methodNotAllowed, "[RFC 6455 §4.1] the upgrade request must be a GET, not \(request.method)")
        }
        let path = "/" + request.pathSegments.joined(separator: "/")
        guard paths.contains(path) else { return refuse(.notFound, "no WebSocket endpoint at \(path)") }
        guard Self.tokens(request.header("Upgrade")).contains("websocket") else {
            return refuse(.badRequest, "[RFC 6455 §4.2.1] no 'Upgrade: websocket' header")
        }
        guard Self.tokens(request.header("Connection")).contains("upgrade") else {
            return refuse(.badRequest, "[RFC 6455 §4.2.1] no 'Connection: Upgrade' header")
        }
        guard request.header("Sec-WebSocket-Version")?.trimmingSpaces == "13" else {
            return refuse(
                Self.upgradeRequired, "[RFC 6455 §4.2.2] only WebSocket version 13 is spoken",
                ["Sec-WebSocket-Version": "13"])
        }
        guard let key = request.header("Sec-WebSocket-Key")?.trimmingSpaces, Base64.decode(key)?.count == 16 else {
            return refuse(.badRequest, "[RFC 6455 §4.2.1] Sec-WebSocket-Key is not 16 bytes in base64")
        }
        var chosen: String?
        if let offered = request.header("Sec-WebSocket-Protocol") {
            let names = offered.split(separator: ",").map { String($0).trimmingSpaces }
            guard let match = subprotocols.first(where: names.contains) else {
                return refuse(.badRequest, "[RFC 6455 §4.2.2] none of the subprotocols '\(offered)' is spoken here")
            }
            chosen = match
        }
        var head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        head += "Sec-WebSocket-Accept: \(Self.acceptValue(for: key))\r\n"
        if let chosen { head += "Sec-WebSocket-Protocol: \(chosen)\r\n" }
        head += "\r\n"
        return .success((Array(head.utf8), chosen))
    }

    /// 426, for an unsupported version (§4.4).
    public static let upgradeRequired = HTTPStatus(426, "Upgrade Required")

    /// `Sec-WebSocket-Accept` for `key`: base64 of the SHA-1 of the key and the protocol's GUID (§4.2.2).
    public static func acceptValue(for key: String) -> String {
        let input = Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)
        var digest = [UInt8](repeating: 0, count: 20)
        var size: UInt32 = 0
        input.withUnsafeBufferPointer { i in _ = EVP_Digest(i.baseAddress, i.count, &digest, &size, EVP_sha1(), nil) }
        return Base64.encode(digest)
    }

    /// The comma-separated tokens of a header, lowercased.
    private static func tokens(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",").map { String($0).trimmingSpaces.lowercased() }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
