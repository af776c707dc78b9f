import HTTPCodec
import Testing

@testable import WebSocketCodec

@Suite("WebSocket opening handshake (RFC 6455 §4)")
struct WebSocketHandshakeTests {
    private let handshake = WebSocketHandshake(paths: ["/mqtt", "/ws"], subprotocols: ["mqtt"])

    private func request(
        method: String = "GET", path: String = "/mqtt", headers: [(String, String)]? = nil
    ) -> HTTPRequest {
        let h =
            headers ?? [
                ("Host", "localhost"), ("Upgrade", "websocket"), ("Connection", "keep-alive, Upgrade"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Protocol", "mqttv3.1, mqtt"),
            ]
        return HTTPRequest(
            method: method, target: path, pathSegments: path.split(separator: "/").map(String.init), query: [],
            headers: h.map { (name: $0.0, value: $0.1) }, body: [], closesConnection: false)
    }

    @Test("the RFC's sample key gets its sample accept value, and mqtt is chosen")
    func accepts() throws {
        #expect(WebSocketHandshake.acceptValue(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let (response, subprotocol) = try handshake.accept(request()).get()
        let text = String(decoding: response, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"))
        #expect(text.contains("Sec-WebSocket-Protocol: mqtt\r\n"))
        #expect(!text.contains("Content-Length"))
        #expect(subprotocol == "mqtt")
    }

    @Test("wrong method, path, headers, version, key or subprotocol are refused with the right status")
    func refusals() {
        func status(_ r: HTTPRequest) -> Int? {
            if case .failure(let f) = handshake.accept(r) { f.status.code } else { nil }
        }
        var base = request().headers.map { ($0.name, $0.value) }
        func without(_ name: String) -> [(String, String)] { base.filter { $0.0 != name } }
        func with(_ name: String, _ value: String) -> [(String, String)] { without(name) + [(name, value)] }
        #expect(status(request(method: "POST")) == 405)
        #expect(status(request(path: "/other")) == 404)
        #expect(status(request(headers: without("Upgrade"))) == 400)
        #expect(status(request(headers: with("Connection", "keep-alive"))) == 400)
        #expect(status(request(headers: with("Sec-WebSocket-Version", "8"))) == 426)
        #expect(status(request(headers: with("Sec-WebSocket-Key", "c2hvcnQ="))) == 400)
        #expect(status(request(headers: with("Sec-WebSocket-Protocol", "chat"))) == 400)
        base = without("Sec-WebSocket-Protocol")
        #expect((try? handshake.accept(request(headers: base)).get().subprotocol) == .some(nil))
    }
}
