import TLSTestSupport
import Testing

@testable import HTTPFetch

@Suite("HTTPFetcher over TLS")
struct HTTPFetcherTLSTests {
    let pki: TestPKI
    let identity: TestPKI.Identity

    init() throws {
        pki = try TestPKI()
        identity = try pki.issue("server", altNames: "DNS:localhost,IP:127.0.0.1")
    }

    @Test(
        "https with the test CA returns the body, for a host name and for an IP address",
        arguments: ["localhost", "127.0.0.1"])
    func verified(host: String) throws {
        let server = try TestHTTPServer(tls: identity) { _ in .ok(#"{"keys":[]}"#) }
        defer { server.stop() }
        let body = try HTTPFetcher.get(
            "https://\(host):\(server.port)/jwks", options: HTTPFetchOptions(caFile: pki.caCertificate))
        #expect(String(decoding: body, as: UTF8.self) == #"{"keys":[]}"#)
    }

    @Test("a body read until the server closes needs its close_notify: without it the body may be cut short")
    func closeNotify() throws {
        let server = try TestHTTPServer(tls: identity) { request in
            .text("HTTP/1.1 200 OK\r\n\r\n{}", closeNotify: request.target == "/clean")
        }
        defer { server.stop() }
        let options = HTTPFetchOptions(caFile: pki.caCertificate)
        #expect(try HTTPFetcher.get("https://localhost:\(server.port)/clean", options: options) == Array("{}".utf8))
        let error = #expect(throws: HTTPFetchError.self) {
            try HTTPFetcher.get("https://localhost:\(server.port)/cut", options: options)
        }
        #expect(error?.kind == .malformedResponse)
    }

    @Test("https without the CA (the system's CA paths) fails with tls, saying why the chain was rejected")
    func untrusted() throws {
        let server = try TestHTTPServer(tls: identity) { _ in .ok("{}") }
        defer { server.stop() }
        let url = "https://localhost:\(server.port)/jwks"
        let error = #expect(throws: HTTPFetchError.self) { try HTTPFetcher.get(url) }
        #expect(error?.kind == .tls)
        #expect(error?.message == "GET \(url): certificate verify failed (unable to get local issuer certificate)")
        #expect(server.requests.isEmpty)
    }

    @Test(
        "a certificate for another host fails with tls, for a host name and for an IP address",
        arguments: [("localhost", "hostname mismatch"), ("127.0.0.1", "IP address mismatch")])
    func otherHost(host: String, reason: String) throws {
        let other = try pki.issue("other", altNames: "DNS:other.example,IP:192.0.2.1")
        let server = try TestHTTPServer(tls: other) { _ in .ok("{}") }
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) {
            try HTTPFetcher.get("https://\(host):\(server.port)/", options: HTTPFetchOptions(caFile: pki.caCertificate))
        }
        #expect(error?.kind == .tls)
        #expect(error?.message.hasSuffix("certificate verify failed (\(reason))") == true)
    }

    @Test("a redirect from https to http is refused")
    func downgrade() throws {
        let plain = try TestHTTPServer { _ in .ok("{}") }
        defer { plain.stop() }
        let server = try TestHTTPServer(tls: identity) { _ in
            .text("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:\(plain.port)/jwks\r\nContent-Length: 0\r\n\r\n")
        }
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) {
            try HTTPFetcher.get(
                "https://localhost:\(server.port)/jwks", options: HTTPFetchOptions(caFile: pki.caCertificate))
        }
        #expect(error?.kind == .invalidURL)
        #expect(error?.message.contains("refused to follow a redirect from https to http://127.0.0.1") == true)
        #expect(plain.requests.isEmpty)
    }

    @Test("a server that never answers the handshake fails with timeout once the deadline passes")
    func handshakeTimeout() throws {
        let silent = SilentPort(listening: true)
        let started = ContinuousClock.now
        let error = #expect(throws: HTTPFetchError.self) {
            try HTTPFetcher.get(
                "https://127.0.0.1:\(silent.port)/",
                options: HTTPFetchOptions(caFile: pki.caCertificate, timeout: .milliseconds(300)))
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("in the TLS handshake with 127.0.0.1") == true)
        #expect(elapsed >= .milliseconds(290) && elapsed < .seconds(3))
    }

    @Test("a CA file that does not exist fails with tls, naming the file")
    func missingCAFile() throws {
        let server = try TestHTTPServer(tls: identity) { _ in .ok("{}") }
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) {
            try HTTPFetcher.get(
                "https://localhost:\(server.port)/", options: HTTPFetchOptions(caFile: pki.directory + "/missing.pem"))
        }
        #expect(error?.kind == .tls)
        #expect(error?.message.hasSuffix("missing.pem: No such file or directory") == true)
    }
}
