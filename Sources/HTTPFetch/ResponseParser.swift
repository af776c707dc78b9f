/// Parses an HTTP/1.1 response (RFC 9112) fed in pieces as they arrive; it does no I/O, so it is tested by feeding
/// one byte at a time as well as all at once.
///
/// Only a 200 response's body is read unless `readsEveryBody` is set: any other final status completes at the end of
/// its head, since the fetcher fails on it (or follows its `Location`) without needing the body. Interim 1xx responses are skipped.
/// The body is framed by `Transfer-Encoding: chunked` (which wins over `Content-Length`, RFC 9112 §6.3), by
/// `Content-Length`, or by the end of the connection. Limits: 64 KiB for the status line, header fields and trailer
/// fields together; `maxBodySize` for the body, enforced as soon as a length or chunk size announces more.
struct ResponseParser {
    static let headLimit = 64 * 1024
    /// A chunk-size line with its (ignored) extensions.
    static let chunkLineLimit = 4096

    private enum State {
        case statusLine
        case fieldLine
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailerLine
        case untilClose
        case complete
    }

    let maxBodySize: Int
    /// Read the body of every final status (but 204 and 304), not only of a 200 (the management API's errors).
    let readsEveryBody: Bool
    /// The final response's head, once it has arrived.
    private(set) var head: ResponseHead?
    private(set) var body: [UInt8] = []
    private var state = State.statusLine
    private var pending: [UInt8] = []
    private var start = 0
    private var headBudget = Self.headLimit
    private var received = false
    private var status = 0
    private var reason = ""
    private var fields: [(name: String, value: String)] = []

    init(maxBodySize: Int, readsEveryBody: Bool = false) {
        self.maxBodySize = maxBodySize
        self.readsEveryBody = readsEveryBody
    }

    /// True once the response is complete: its head, and for a 200 its whole body.
    var isComplete: Bool {
        if case .complete = state { true } else { false }
    }

    /// Parses `bytes` as far as they go; bytes after a complete response are ignored.
    mutating func consume(_ bytes: ArraySlice<UInt8>) throws(HTTPFetchError) {
        guard !isComplete else { return }
        received = received || !bytes.isEmpty
        pending.append(contentsOf: bytes)
        while try step() {}
        pending.removeFirst(start)
        start = 0
    }

    /// The connection ended; `clean` is false when it ended without TLS close_notify. Throws unless the response
    /// is complete, or its body was framed by the end of the connection and the end was clean.
    mutating func finish(clean: Bool) throws(HTTPFetchError) {
        switch state {
        case .complete:
            return
        case .statusLine where !received:
            throw malformed("the server closed the connection without a response")
        case .statusLine, .fieldLine:
            throw malformed("the connection closed in the middle of the response head")
        case .body(let remaining):
            let expected = body.count + remaining
            throw malformed("the connection closed after \(body.count) of \(expected) body bytes (Content-Length)")
        case .chunkSize, .chunkData, .chunkDataEnd, .trailerLine:
            throw malformed("the connection closed in the middle of the chunked body")
        case .untilClose:
            guard clean else {
                throw malformed("the TLS connection ended without close_notify, so the body may be cut short")
            }
            state = .complete
        }
    }

    /// One parsing step; false when it needs more bytes or the response is complete.
    private mutating func step() throws(HTTPFetchError) -> Bool {
        switch state {
        case .statusLine:
            guard let line = try nextHeadLine("the response head exceeds 64 KiB") else { return false }
            try parseStatusLine(line)
            state = .fieldLine
        case .fieldLine:
            guard let line = try nextHeadLine("the response head exceeds 64 KiB") else { return false }
            if line.isEmpty {
                try endOfHead()
            } else {
                try parseField(line)
            }
        case .body(let remaining):
            let available = min(remaining, pending.count - start)
            guard available > 0 else { return false }
            take(available)
            state = remaining == available ? .complete : .body(remaining: remaining - available)
        case .chunkSize:
            guard let line = try nextLine(within: Self.chunkLineLimit, "a chunk-size line exceeds 4 KiB")?.line else {
                return false
            }
            let size = try parseChunkSize(line)
            state = size == 0 ? .trailerLine : .chunkData(remaining: size)
        case .chunkData(let remaining):
            let available = min(remaining, pending.count - start)
            guard available > 0 else { return false }
            take(available)
            state = remaining == available ? .chunkDataEnd : .chunkData(remaining: remaining - available)
        case .chunkDataEnd:
            guard let line = try nextLine(within: 2, "chunk data is longer than its chunk size")?.line else {
                return false
            }
            guard line.isEmpty else { throw malformed("chunk data is longer than its chunk size") }
            state = .chunkSize
        case .trailerLine:
            guard let line = try nextHeadLine("the trailer fields exceed the 64 KiB head limit") else {
                return false
            }
            if line.isEmpty { state = .complete }
        case .untilClose:
            guard pending.count > start else { return false }
            guard body.count + pending.count - start <= maxBodySize else { throw tooLarge() }
            take(pending.count - start)
        case .complete:
            return false
        }
        return true
    }

    /// The next line of the head or trailer section, paid for from the 64 KiB they share.
    private mutating func nextHeadLine(_ limit: String) throws(HTTPFetchError) -> ArraySlice<UInt8>? {
        guard let (line, length) = try nextLine(within: headBudget, limit) else { return nil }
        headBudget -= length
        return line
    }

    /// The next line without its LF (and a CR before it) and the bytes it took, LF included; nil until a whole line
    /// has arrived. A line (complete or still arriving) longer than `budget` throws `.malformedResponse(limit)`.
    private mutating func nextLine(within budget: Int, _ limit: String) throws(HTTPFetchError)
        -> (line: ArraySlice<UInt8>, length: Int)?
    {
        guard let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) else {
            guard pending.count - start <= budget else { throw malformed(limit) }
            return nil
        }
        let length = newline + 1 - start
        guard length <= budget else { throw malformed(limit) }
        var end = newline
        if end > start && pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = pending[start..<end]
        start = newline + 1
        return (line, length)
    }

    private mutating func take(_ count: Int) {
        body.append(contentsOf: pending[start..<(start + count)])
        start += count
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason-phrase]` (RFC 9112 §4; the space is optional for an empty reason, as
    /// several servers send it that way).
    private mutating func parseStatusLine(_ line: ArraySlice<UInt8>) throws(HTTPFetchError) {
        let bytes = Array(line)
        guard bytes.count >= 12, bytes.starts(with: "HTTP/1.".utf8), Self.isDigit(bytes[7]), bytes[8] == 0x20,
            bytes[9...11].allSatisfy(Self.isDigit), bytes.count == 12 || bytes[12] == 0x20
        else {
            throw malformed("not an HTTP/1.x status line: '\(Self.printable(line.prefix(80)))'")
        }
        status = bytes[9...11].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard status >= 100 else { throw malformed("status code \(status) is not between 100 and 999") }
        reason = Self.printable(bytes.dropFirst(13).prefix(200))
    }

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5); obsolete line folding is refused (§5.2 allows that).
    private mutating func parseField(_ line: ArraySlice<UInt8>) throws(HTTPFetchError) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
            line[..<colon].allSatisfy(Self.isTokenCharacter)
        else {
            throw malformed("not a header field: '\(Self.printable(line.prefix(80)))'")
        }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
        guard !value.contains(where: { $0 == 0 || $0 == UInt8(ascii: "\r") }) else {
            throw malformed("header field \(String(decoding: line[..<colon], as: UTF8.self)) contains CR or NUL")
        }
        fields.append(
            (String(decoding: line[..<colon], as: UTF8.self).lowercased(), String(decoding: value, as: UTF8.self)))
    }

    private mutating func endOfHead() throws(HTTPFetchError) {
        let head = ResponseHead(status: status, reason: reason, fields: fields)
        fields = []
        if status < 200 {
            guard status != 101 else { throw malformed("unexpected 101 Switching Protocols") }
            state = .statusLine
            return
        }
        self.head = head
        guard status == 200 || (readsEveryBody && status != 204 && status != 304) else {
            state = .complete
            return
        }
        let encodings = head.values("transfer-encoding")
        if !encodings.isEmpty {
            guard encodings.map({ $0.lowercased() }) == ["chunked"] else {
                throw malformed("unsupported Transfer-Encoding '\(encodings.joined(separator: ", "))'")
            }
            state = .chunkSize
            return
        }
        let lengths = head.values("content-length")
        guard let first = lengths.first else {
            state = .untilClose
            return
        }
        guard lengths.allSatisfy({ $0 == first }), first.utf8.count <= 18, first.utf8.allSatisfy(Self.isDigit),
            let length = Int(first)
        else {
            throw malformed("invalid Content-Length '\(lengths.joined(separator: ", "))'")
        }
        guard length <= maxBodySize else {
            throw tooLarge("Content-Length \(length) exceeds the limit of \(maxBodySize) bytes")
        }
        state = length == 0 ? .complete : .body(remaining: length)
    }

    /// `chunk-size [BWS chunk-ext]` (RFC 9112 §7.1): hex digits only, extensions ignored.
    private func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPFetchError) -> Int {
        let digits = line.prefix { Self.hexValue($0) != nil }
        var rest = line[digits.endIndex...]
        while let first = rest.first, first == 0x20 || first == 0x09 { rest.removeFirst() }
        guard !digits.isEmpty, rest.isEmpty || rest.first == UInt8(ascii: ";") else {
            throw malformed("invalid chunk-size line '\(Self.printable(line.prefix(80)))'")
        }
        var size = 0
        for digit in digits {
            let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
            size = shifted + Int(Self.hexValue(digit)!)
            guard !overflow, size <= maxBodySize - body.count else { throw tooLarge() }
        }
        return size
    }

    private func malformed(_ reason: String) -> HTTPFetchError {
        HTTPFetchError(.malformedResponse, reason)
    }

    private func tooLarge(_ reason: String? = nil) -> HTTPFetchError {
        HTTPFetchError(.tooLarge, reason ?? "the body exceeds the limit of \(maxBodySize) bytes")
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// RFC 9110 §5.6.2 tchar.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Bytes from the wire made safe for a log line: printable ASCII kept, everything else as `?`.
    private static func printable(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
