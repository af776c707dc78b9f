import Testing

@testable import HTTPFetch

@Suite("HTTPFetcher over plain TCP")
struct HTTPFetcherTests {
    @Test("a 200 with Content-Length returns the body, asked for with the documented request head")
    func contentLength() throws {
        let server = try TestHTTPServer { _ in .ok(#"{"keys":[]}"#) }
        defer { server.stop() }
        let body = try HTTPFetcher.get("http://127.0.0.1:\(server.port)/jwks?v=1")
        #expect(String(decoding: body, as: UTF8.self) == #"{"keys":[]}"#)
        let head = try #require(server.requests.first).head
        #expect(
            head == "GET /jwks?v=1 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nAccept: application/json\r\n"
                + "User-Agent: gateway\r\nConnection: close\r\n\r\n")
    }

    @Test("a host name is resolved and an empty path is requested as /")
    func hostName() throws {
        let server = try TestHTTPServer { _ in .ok("{}") }
        defer { server.stop() }
        let body = try HTTPFetcher.get("http://localhost:\(server.port)")
        #expect(body == Array("{}".utf8))
        #expect(server.requests.first?.target == "/")
    }

    @Test("a chunked body is reassembled; chunk extensions and trailers are ignored")
    func chunked() throws {
        let server = try TestHTTPServer { _ in
            .text(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4;name=value\r\n{\"ke\r\nA\r\nys\":[1,2]}\r\n0\r\nExpires: never\r\n\r\n")
        }
        defer { server.stop() }
        let body = try HTTPFetcher.get("http://127.0.0.1:\(server.port)/jwks")
        #expect(String(decoding: body, as: UTF8.self) == #"{"keys":[1,2]}"#)
    }

    @Test("a body without Content-Length or chunking is read until the server closes")
    func readToEOF() throws {
        let server = try TestHTTPServer { _ in .text("HTTP/1.0 200 OK\r\n\r\n{\"until\":\"close\"}") }
        defer { server.stop() }
        let body = try HTTPFetcher.get("http://127.0.0.1:\(server.port)/")
        #expect(String(decoding: body, as: UTF8.self) == #"{"until":"close"}"#)
    }

    @Test("a 404 fails with status(404), naming the URL and the server's status line")
    func notFound() throws {
        let server = try TestHTTPServer { _ in .text("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found") }
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/missing"
        let error = #expect(throws: HTTPFetchError.self) { try HTTPFetcher.get(url) }
        #expect(error?.kind == .status(404))
        #expect(error?.message == "GET \(url): the server answered 404 Not Found")
    }

    @Test("redirects are followed: relative, absolute-path and fragment-carrying Locations")
    func redirects() throws {
        let server = try TestHTTPServer { request in
            switch request.target {
            case "/a/old": .text("HTTP/1.1 301 Moved Permanently\r\nLocation: newer\r\nContent-Length: 0\r\n\r\n")
            case "/a/newer": .text("HTTP/1.1 307 Temporary Redirect\r\nLocation: /final#frag\r\n\r\n")
            case "/final": .ok("done")
            default: .text("HTTP/1.1 500 Oops\r\n\r\n")
            }
        }
        defer { server.stop() }
        let body = try HTTPFetcher.get("http://127.0.0.1:\(server.port)/a/old")
        #expect(body == Array("done".utf8))
        #expect(server.requests.map(\.target) == ["/a/old", "/a/newer", "/final"])
    }

    @Test("a failure after a redirect names the URL asked for and the one redirected to")
    func failureAfterRedirect() throws {
        let server = try TestHTTPServer { request in
            request.target == "/old"
                ? .text("HTTP/1.1 308 Permanent Redirect\r\nLocation: /gone\r\n\r\n")
                : .text("HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n")
        }
        defer { server.stop() }
        let origin = "http://127.0.0.1:\(server.port)"
        let error = #expect(throws: HTTPFetchError.self) { try HTTPFetcher.get(origin + "/old") }
        #expect(error?.kind == .status(410))
        #expect(error?.message == "GET \(origin)/old (redirected to \(origin)/gone): the server answered 410 Gone")
    }

    @Test("more redirects than maxRedirects fail with tooManyRedirects")
    func redirectLoop() throws {
        let server = try TestHTTPServer { _ in .text("HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n") }
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) {
            try HTTPFetcher.get("http://127.0.0.1:\(server.port)/", options: HTTPFetchOptions(maxRedirects: 2))
        }
        #expect(error?.kind == .tooManyRedirects)
        #expect(server.requests.count == 3)
    }

    @Test("a redirect without Location fails with its status")
    func redirectWithoutLocation() throws {
        let server = try TestHTTPServer { _ in .text("HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n") }
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) { try HTTPFetcher.get("http://127.0.0.1:\(server.port)/") }
        #expect(error?.kind == .status(302))
    }

    @Test(
        "a body over maxBodySize fails with tooLarge, however it is framed",
        arguments: [
            "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n6\r\n123456\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\n\r\n12345678901",
        ])
    func tooLarge(response: String) throws {
        let server = try TestHTTPServer { _ in .text(response) }
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) {
            try HTTPFetcher.get("http://127.0.0.1:\(server.port)/", options: HTTPFetchOptions(maxBodySize: 10))
        }
        #expect(error?.kind == .tooLarge)
    }

    @Test("a body cut short of its Content-Length fails with malformedResponse")
    func truncated() throws {
        let server = try TestHTTPServer { _ in .text("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\"") }
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) { try HTTPFetcher.get("http://127.0.0.1:\(server.port)/") }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.message.hasSuffix("the connection closed after 10 of 100 body bytes (Content-Length)") == true)
    }

    @Test("a malformed status line fails with malformedResponse")
    func malformedStatusLine() throws {
        let server = try TestHTTPServer { _ in .text("HTTP/1.1 OK\r\n\r\n{}") }
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) { try HTTPFetcher.get("http://127.0.0.1:\(server.port)/") }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.message.contains("not an HTTP/1.x status line: 'HTTP/1.1 OK'") == true)
    }

    @Test("a server that accepts and never answers fails with timeout once the deadline passes")
    func timeout() throws {
        let server = try TestHTTPServer { _ in .hang }
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = #expect(throws: HTTPFetchError.self) {
            try HTTPFetcher.get(
                "http://127.0.0.1:\(server.port)/", options: HTTPFetchOptions(timeout: .milliseconds(300)))
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("timed out after 0.3 seconds while waiting for the response") == true)
        #expect(elapsed >= .milliseconds(290) && elapsed < .seconds(3))
    }

    @Test("a refused connection fails with connect and the system's reason")
    func refused() throws {
        let closed = SilentPort(listening: false)
        let error = #expect(throws: HTTPFetchError.self) { try HTTPFetcher.get("http://127.0.0.1:\(closed.port)/") }
        #expect(error?.kind == .connect)
        #expect(error?.message.hasSuffix("127.0.0.1: Connection refused") == true)
    }
}
