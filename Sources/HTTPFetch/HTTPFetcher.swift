/// A small blocking HTTP/1.1 client over TCP or TLS: GET for fetching documents such as an OAuth2 JWKS or an OpenID
/// discovery document from a background thread, and any method for `gatewayctl`'s calls to the management API.
///
/// It exists because URLSession on Linux (FoundationNetworking) pulls in libcurl. It blocks the calling thread, so
/// never call it on an event loop. Each call opens one connection per hop (`Connection: close`), follows up to
/// `maxRedirects` redirects but never from `https://` to `http://`, and holds to one deadline for everything.
public enum HTTPFetcher {
    /// GETs `url` and returns the body of a 200 response.
    ///
    /// Any other final status fails with `.status(code)`, except 301, 302, 303, 307 and 308 with a `Location`,
    /// which are followed. Thread-safe; `SIGPIPE` is held back on the calling thread while it runs.
    public static func get(_ url: String, options: HTTPFetchOptions = HTTPFetchOptions())
        throws(HTTPFetchError) -> [UInt8]
    {
        let deadline = Deadline(after: options.timeout)
        var current: FetchURL?
        var redirects = 0
        do {
            return try BrokenPipeSignal.suppressed { () throws(HTTPFetchError) -> [UInt8] in
                var target = try FetchURL(parsing: url)
                while true {
                    current = target
                    switch try exchange(target, options: options, deadline: deadline) {
                    case .body(let body):
                        return body
                    case .redirect(let location):
                        redirects += 1
                        guard redirects <= options.maxRedirects else {
                            throw HTTPFetchError(
                                .tooManyRedirects,
                                "more than \(options.maxRedirects) redirects (the last to \(location))")
                        }
                        let next = try target.resolving(location: location)
                        guard next.isSecure || !target.isSecure else {
                            throw HTTPFetchError(
                                .invalidURL, "refused to follow a redirect from https to \(next): it drops TLS")
                        }
                        target = next
                    }
                }
            }
        } catch {
            throw error.request(url, redirectedTo: redirects > 0 ? current?.description : nil)
        }
    }

    /// Sends one `method` request with `headers` and `body` (no redirects followed) and returns the status and body
    /// of whatever the server answered. Fails only when no complete answer arrives.
    public static func request(
        _ method: String, _ url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        options: HTTPFetchOptions = HTTPFetchOptions()
    ) throws(HTTPFetchError) -> (status: Int, body: [UInt8]) {
        let deadline = Deadline(after: options.timeout)
        do {
            return try BrokenPipeSignal.suppressed { () throws(HTTPFetchError) -> (status: Int, body: [UInt8]) in
                let target = try FetchURL(parsing: url)
                let connection = try HTTPConnection(to: target, caFile: options.caFile, deadline: deadline)
                var head = "\(method) \(target.target) HTTP/1.1\r\nHost: \(target.authority)\r\nUser-Agent: gateway\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                try connection.send(Array(head.utf8) + body)
                let parser = try receive(on: connection, maxBodySize: options.maxBodySize, readsEveryBody: true)
                return (parser.head!.status, parser.body)
            }
        } catch {
            throw error.request(url, redirectedTo: nil)
        }
    }

    private static func receive(
        on connection: HTTPConnection, maxBodySize: Int, readsEveryBody: Bool = false
    ) throws(HTTPFetchError) -> ResponseParser {
        var parser = ResponseParser(maxBodySize: maxBodySize, readsEveryBody: readsEveryBody)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !parser.isComplete {
            switch try connection.receive(into: &buffer) {
            case .bytes(let count): try parser.consume(buffer[..<count])
            case .end(let clean): try parser.finish(clean: clean)
            }
        }
        return parser
    }

    /// What one exchange ends with when it does not fail.
    private enum Outcome {
        case body([UInt8])
        /// A redirect to the `Location` given.
        case redirect(String)
    }

    /// One request on one connection: the body of a 200, or the `Location` of a redirect.
    private static func exchange(_ url: FetchURL, options: HTTPFetchOptions, deadline: Deadline)
        throws(HTTPFetchError) -> Outcome
    {
        let connection = try HTTPConnection(to: url, caFile: options.caFile, deadline: deadline)
        let request =
            "GET \(url.target) HTTP/1.1\r\nHost: \(url.authority)\r\nAccept: application/json\r\n"
            + "User-Agent: gateway\r\nConnection: close\r\n\r\n"
        try connection.send(Array(request.utf8))
        let parser = try receive(on: connection, maxBodySize: options.maxBodySize)
        let head = parser.head!
        switch head.status {
        case 200:
            return .body(parser.body)
        case 301, 302, 303, 307, 308:
            guard let location = head.value("location") else {
                throw HTTPFetchError(.status(head.status), "the server answered \(head.statusText) without a Location")
            }
            return .redirect(location)
        default:
            throw HTTPFetchError(.status(head.status), "the server answered \(head.statusText)")
        }
    }
}
