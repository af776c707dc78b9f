import Bytes

/// Reads HTTP/1.1 requests from a connection's input, one at a time, with hard limits checked before memory is
/// committed: the request line and headers may take `maxHeadBytes` (else 431; a longer request line alone is 414),
/// the body `maxBodyBytes` (else 413). Bodies need `Content-Length`; `Transfer-Encoding` is refused with 501.
/// Anything malformed is a 400. After an error the connection must be closed: the byte stream is not trusted.
public struct HTTPRequestParser: Sendable {
    /// Most bytes of request line plus headers.
    public let maxHeadBytes: Int
    /// Most body bytes.
    public let maxBodyBytes: Int

    /// A parser with RabbitMQ-like limits by default: 8 KiB of head, 16 MiB of body.
    public init(maxHeadBytes: Int = 8192, maxBodyBytes: Int = 16 << 20) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Takes one complete request off the front of `buffer`, or returns nil (consuming nothing) when more bytes are
    /// needed. Throws when the bytes can never form an acceptable request.
    public func parse(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> HTTPRequest? {
        let available = buffer.readableBytes
        guard let headEnd = buffer.withReadableBytes({ Self.headEnd(in: $0, limit: maxHeadBytes) }) else {
            if available > maxHeadBytes {
                let lineEnd = buffer.withReadableBytes { $0.prefix(maxHeadBytes).firstIndex(of: UInt8(ascii: "\n")) }
                if lineEnd == nil {
                    throw HTTPParseError(.uriTooLong, "request line longer than \(maxHeadBytes) bytes")
                }
                throw HTTPParseError(.headersTooLarge, "request line and headers longer than \(maxHeadBytes) bytes")
            }
            return nil
        }
        let head = buffer.withReadableBytes { Array($0[..<headEnd]) }
        var request = try Self.head(head)
        let length = try contentLength(request)
        guard available - (headEnd + 4) >= length else { return nil }
        buffer.moveReaderIndex(forwardBy: headEnd + 4)
        request.body = buffer.readBytes(length) ?? []
        return request
    }

    private func contentLength(_ request: HTTPRequest) throws(HTTPParseError) -> Int {
        if request.header("Transfer-Encoding") != nil {
            throw HTTPParseError(.notImplemented, "Transfer-Encoding is not supported; send Content-Length")
        }
        let values = request.headers.filter { $0.name.lowercased() == "content-length" }.map(\.value)
        guard let first = values.first else { return 0 }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
            first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let n = Int(first)
        else {
            throw HTTPParseError(.badRequest, "invalid Content-Length")
        }
        guard n <= maxBodyBytes else {
            throw HTTPParseError(.payloadTooLarge, "body of \(n) bytes is over the limit of \(maxBodyBytes)")
        }
        return n
    }

    /// Offset of the blank line ending the head, within the first `limit` bytes.
    private static func headEnd(in raw: UnsafeRawBufferPointer, limit: Int) -> Int? {
        let n = min(raw.count, limit + 4)
        guard n >= 4 else { return nil }
        var i = 0
        while i + 3 < n {
            if raw[i] == 13 && raw[i + 1] == 10 && raw[i + 2] == 13 && raw[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// Parses the request line and header fields (the head without its final CRLF CRLF).
    static func head(_ bytes: [UInt8]) throws(HTTPParseError) -> HTTPRequest {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 13 {
                guard i + 1 < bytes.count, bytes[i + 1] == 10 else {
                    throw HTTPParseError(.badRequest, "bare CR in the request head")
                }
                lines.append(bytes[start..<i])
                i += 2
                start = i
            } else if bytes[i] == 10 {
                throw HTTPParseError(.badRequest, "bare LF in the request head")
            } else {
                i += 1
            }
        }
        lines.append(bytes[start..<bytes.count])
        let (method, target, version) = try requestLine(lines[0])
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() { headers.append(try field(line)) }
        let (segments, query) = try HTTPTarget.split(target)
        var request = HTTPRequest(
            method: method, target: target, pathSegments: segments, query: query, headers: headers, body: [],
            closesConnection: false)
        let connection = request.header("Connection")?.lowercased() ?? ""
        request.closesConnection = version == "HTTP/1.0" ? !connection.contains("keep-alive") : connection.contains("close")
        if version == "HTTP/1.1" && request.header("Host") == nil {
            throw HTTPParseError(.badRequest, "HTTP/1.1 request without Host")
        }
        return request
    }

    private static func requestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String, String) {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HTTPParseError(.badRequest, "malformed request line")
        }
        guard parts[0].allSatisfy(isTokenByte) else { throw HTTPParseError(.badRequest, "invalid method") }
        guard parts[1].allSatisfy({ $0 > 32 && $0 < 127 }), parts[1].first == UInt8(ascii: "/") else {
            throw HTTPParseError(.badRequest, "the request target must be an absolute path")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            if version.hasPrefix("HTTP/") { throw HTTPParseError(.versionNotSupported, "\(version) is not supported") }
            throw HTTPParseError(.badRequest, "malformed request line")
        }
        return (String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self), version)
    }

    private static func field(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (name: String, value: String) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
            line[line.startIndex..<colon].allSatisfy(isTokenByte)
        else {
            throw HTTPParseError(.badRequest, "malformed header field")
        }
        var value = line[(colon + 1)...]
        while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
        while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
        guard value.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else {
            throw HTTPParseError(.badRequest, "control character in a header value")
        }
        return (String(decoding: line[line.startIndex..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }
}
