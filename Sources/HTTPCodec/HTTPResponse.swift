import Bytes

/// A response to write: status, headers and body. `Content-Length` and `Connection` are added by `encode`.
public struct HTTPResponse: Sendable {
    /// The status line's code and reason.
    public var status: HTTPStatus
    /// Header fields besides Content-Length and Connection.
    public var headers: [(name: String, value: String)]
    /// The body bytes (empty for 204 and HEAD).
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a body of `contentType`.
    public init(status: HTTPStatus, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: [("Content-Type", contentType)], body: body)
    }

    /// Appends the response in HTTP/1.1 wire format; `close` adds `Connection: close`, `includeBody` false (HEAD)
    /// keeps the Content-Length of the body but leaves the body out.
    public func encode(into out: inout ByteBuffer, close: Bool, includeBody: Bool = true) {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if status.code != 204 && status.code != 304 { head += "Content-Length: \(body.count)\r\n" }
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        out.writeBytes(Array(head.utf8))
        if includeBody && status.code != 204 { out.writeBytes(body) }
    }
}
