/// One HTTP/1.1 request as the server received it: method, target split into path segments and query, headers and
/// body.
public struct HTTPRequest: Sendable, Equatable {
    /// The method as sent (`GET`, `PUT`, …; methods are case-sensitive).
    public var method: String
    /// The request target as sent (`/api/queues/%2F/q?columns=name`).
    public var target: String
    /// The path split at `/` and percent-decoded per segment, so `%2F` inside a vhost name stays in its segment:
    /// `/api/queues/%2F/q` is `["api", "queues", "/", "q"]`. A trailing slash adds no empty segment.
    public var pathSegments: [String]
    /// The query parameters, percent-decoded (`+` is a space), in order.
    public var query: [(name: String, value: String)]
    /// The header fields in order; names as sent.
    public var headers: [(name: String, value: String)]
    /// The body (Content-Length bytes).
    public var body: [UInt8]
    /// HTTP/1.0 or `Connection: close`: the connection ends after the response.
    public var closesConnection: Bool

    public init(
        method: String, target: String, pathSegments: [String], query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8], closesConnection: Bool
    ) {
        self.method = method
        self.target = target
        self.pathSegments = pathSegments
        self.query = query
        self.headers = headers
        self.body = body
        self.closesConnection = closesConnection
    }

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The value of the query parameter `name`, if present.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.target == b.target && a.pathSegments == b.pathSegments
            && a.query.elementsEqual(b.query, by: { $0 == $1 }) && a.headers.elementsEqual(b.headers, by: { $0 == $1 })
            && a.body == b.body && a.closesConnection == b.closesConnection
    }
}
