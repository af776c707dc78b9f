import Bytes
import Testing

@testable import HTTPCodec

@Suite("HTTP/1.1 request parser: requests, limits and hostile input")
struct HTTPRequestParserTests {
    private func buffer(_ text: String) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeBytes(Array(text.utf8))
        return b
    }

    private func status(_ text: String, parser: HTTPRequestParser = HTTPRequestParser()) -> Int? {
        var b = buffer(text)
        do {
            _ = try parser.parse(&b)
            return nil
        } catch {
            return error.status.code
        }
    }

    @Test("a GET with a percent-encoded vhost: segments decoded one by one, query parsed, keep-alive")
    func simpleGet() throws {
        var b = buffer("GET /api/queues/%2F/my%20q?columns=name,messages&x=a+b HTTP/1.1\r\nHost: h\r\n\r\n")
        let r = try #require(try HTTPRequestParser().parse(&b))
        #expect(r.method == "GET")
        #expect(r.pathSegments == ["api", "queues", "/", "my q"])
        #expect(r.queryValue("columns") == "name,messages")
        #expect(r.queryValue("x") == "a b")
        #expect(!r.closesConnection)
        #expect(b.readableBytes == 0)
    }

    @Test("a body arrives with its Content-Length; an incomplete request consumes nothing; pipelined requests come one by one")
    func bodyAndPipelining() throws {
        let parser = HTTPRequestParser()
        var b = buffer("PUT /api/vhosts/v HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab")
        #expect(try parser.parse(&b) == nil)
        #expect(b.readableBytes > 0)
        b.writeBytes(Array("cdeGET /api/overview HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".utf8))
        let put = try #require(try parser.parse(&b))
        #expect(put.body == Array("abcde".utf8))
        let get = try #require(try parser.parse(&b))
        #expect(get.pathSegments == ["api", "overview"])
        #expect(get.closesConnection)
    }

    @Test("HTTP/1.0 closes unless keep-alive is asked for; HTTP/1.1 needs Host")
    func versions() throws {
        var b = buffer("GET / HTTP/1.0\r\n\r\n")
        #expect(try #require(try HTTPRequestParser().parse(&b)).closesConnection)
        var k = buffer("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(!(try #require(try HTTPRequestParser().parse(&k)).closesConnection))
        #expect(status("GET / HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505)
    }

    @Test("oversized heads: 431 for headers, 414 for a request line that never ends")
    func oversizedHead() {
        let parser = HTTPRequestParser(maxHeadBytes: 1024)
        #expect(status("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 2000), parser: parser) == 431)
        #expect(status("GET /" + String(repeating: "a", count: 2000), parser: parser) == 414)
        // Just under the limit is fine.
        #expect(status("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 900) + "\r\n\r\n", parser: parser) == nil)
    }

    @Test("bodies: over the limit is 413 before any byte of it arrives; chunked is 501; bad lengths are 400")
    func bodies() {
        let parser = HTTPRequestParser(maxBodyBytes: 100)
        #expect(status("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", parser: parser) == 413)
        #expect(status("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n") == 400)
        #expect(status("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n") == 400)
        #expect(status("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400)
        #expect(status("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n") == 501)
    }

    @Test("malformed heads are 400: bad request lines, bare LF, bad header names, control bytes, bad percent-encoding")
    func malformed() {
        for text in [
            "GET\r\n\r\n", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", "GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", "GET / HTTP/1.1\nHost: h\r\n\r\n",
            "GET / HTTP/1.1\r\nHo st: h\r\n\r\n", "GET / HTTP/1.1\r\n: h\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\u{1}\r\n\r\n", "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n", "GET /%ff%fe HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
        ] {
            #expect(status(text) == 400, "\(text.debugDescription)")
        }
    }

    @Test("percent-encoding round trip for path segments")
    func encodeSegment() throws {
        #expect(HTTPTarget.encodeSegment("/") == "%2F")
        #expect(HTTPTarget.encodeSegment("a b/c") == "a%20b%2Fc")
        let back = try HTTPTarget.decode(ArraySlice(Array("a%20b%2Fc".utf8)), plusIsSpace: false)
        #expect(back == "a b/c")
    }

    @Test("a response carries its length, and Connection: close when asked")
    func response() {
        var out = ByteBuffer()
        HTTPResponse(status: .notFound, contentType: "application/json", body: Array("{}".utf8))
            .encode(into: &out, close: true)
        let text = String(decoding: out.readBytes(out.readableBytes) ?? [], as: UTF8.self)
        #expect(text == "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    }
}
