import Testing

@testable import HTTPFetch

@Suite("ResponseParser")
struct ResponseParserTests {
    /// Feeds `response` whole, then one byte at a time, then ends the stream; both runs must agree.
    private func parse(_ response: String, maxBodySize: Int = 1 << 20, clean: Bool = true) throws(HTTPFetchError)
        -> ResponseParser
    {
        let bytes = Array(response.utf8)
        var whole = ResponseParser(maxBodySize: maxBodySize)
        var oneByOne = ResponseParser(maxBodySize: maxBodySize)
        var wholeError: HTTPFetchError?
        do {
            try whole.consume(bytes[...])
            if !whole.isComplete { try whole.finish(clean: clean) }
        } catch {
            wholeError = error
        }
        do {
            for index in bytes.indices where !oneByOne.isComplete { try oneByOne.consume(bytes[index...index]) }
            if !oneByOne.isComplete { try oneByOne.finish(clean: clean) }
        } catch {
            #expect(error == wholeError)
            throw error
        }
        #expect(wholeError == nil)
        #expect(whole.body == oneByOne.body)
        #expect(whole.head?.status == oneByOne.head?.status)
        return oneByOne
    }

    private func failure(_ response: String, maxBodySize: Int = 1 << 20, clean: Bool = true) -> HTTPFetchError? {
        #expect(throws: HTTPFetchError.self) { try parse(response, maxBodySize: maxBodySize, clean: clean) }
    }

    @Test("Content-Length frames the body; bytes after it are ignored")
    func contentLength() throws {
        let parser = try parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA")
        #expect(parser.body == Array("hello".utf8))
        #expect(parser.head?.reason == "OK")
    }

    @Test("identical repeated Content-Length values are one length; different ones are malformed")
    func repeatedContentLength() throws {
        #expect(
            try parse("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nhi").body == Array("hi".utf8)
        )
        #expect(
            failure("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi!")?.kind == .malformedResponse)
        #expect(failure("HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nhi")?.kind == .malformedResponse)
        #expect(failure("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")?.kind == .malformedResponse)
    }

    @Test("chunked: sizes in hex, extensions and trailers ignored, chunked wins over Content-Length")
    func chunked() throws {
        let parser = try parse(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "a ; ext=\"x\"\r\n0123456789\r\n1\r\n!\r\n0\r\nTrailer: 1\r\nOther: 2\r\n\r\nIGNORED")
        #expect(parser.body == Array("0123456789!".utf8))
    }

    @Test(
        "chunk sizes are parsed strictly",
        arguments: ["0x5", " 5", "-5", "5 x", "", "g"])
    func strictChunkSize(size: String) {
        let error = failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n")
        #expect(error?.kind == .malformedResponse)
    }

    @Test("chunk data longer than its size is malformed")
    func chunkOverrun() {
        let error = failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n")
        #expect(error?.kind == .malformedResponse)
        #expect(error?.message == "chunk data is longer than its chunk size")
    }

    @Test("a chunk size over the limit fails before its data arrives, even one that overflows")
    func chunkTooLarge() {
        #expect(
            failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n", maxBodySize: 4)?.kind == .tooLarge)
        #expect(
            failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n")?.kind == .tooLarge)
    }

    @Test("a Content-Length over the limit fails at the end of the head")
    func lengthTooLarge() {
        let error = failure("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", maxBodySize: 4)
        #expect(error?.kind == .tooLarge)
        #expect(error?.message == "Content-Length 5 exceeds the limit of 4 bytes")
    }

    @Test("without framing the body runs to the end of the connection, which must be clean")
    func untilClose() throws {
        #expect(try parse("HTTP/1.1 200 OK\n\nbody").body == Array("body".utf8))
        #expect(failure("HTTP/1.1 200 OK\r\n\r\nbody", clean: false)?.kind == .malformedResponse)
    }

    @Test("interim 1xx responses are skipped; 101 is refused")
    func interim() throws {
        let parser = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        #expect(parser.head?.status == 200)
        #expect(parser.body == Array("ok".utf8))
        #expect(failure("HTTP/1.1 101 Switching Protocols\r\n\r\n")?.kind == .malformedResponse)
    }

    @Test("any other status completes at the end of its head, without reading the body")
    func otherStatus() throws {
        var parser = ResponseParser(maxBodySize: 10)
        try parser.consume(Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\n".utf8)[...])
        #expect(parser.isComplete)
        #expect(parser.head?.statusText == "503 Service Unavailable")
    }

    @Test(
        "malformed heads are refused",
        arguments: [
            "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "ICY 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\n folded: value\r\n\r\n", "HTTP/1.1 200 OK\r\nNo Colon\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "HTTP/1.1 200 OK\r\n: empty\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
        ])
    func malformedHead(response: String) {
        #expect(failure(response)?.kind == .malformedResponse)
    }

    @Test("a head over 64 KiB is refused, complete or still arriving")
    func headLimit() {
        let field = "X-Filler: " + String(repeating: "a", count: 1000) + "\r\n"
        let big = "HTTP/1.1 200 OK\r\n" + String(repeating: field, count: 66)
        #expect(failure(big + "\r\n")?.message == "the response head exceeds 64 KiB")
        #expect(failure(big)?.message == "the response head exceeds 64 KiB")
        let small = "HTTP/1.1 200 OK\r\n" + String(repeating: field, count: 60) + "Content-Length: 0\r\n\r\n"
        #expect(throws: Never.self) { try parse(small) }
    }

    @Test("the end of the stream inside a chunked body is malformed")
    func truncatedChunked() {
        let error = failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
        #expect(error?.message == "the connection closed in the middle of the chunked body")
    }
}
