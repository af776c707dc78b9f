/// Why an `HTTPFetcher.get` call failed: a kind to branch on and a message for the log.
///
/// The message names the request and what failed, in the words of the layer that failed (the resolver, the
/// socket, OpenSSL's reason and certificate verification result, or the server's status line), e.g.
/// `GET https://idp.example/jwks: certificate verify failed (unable to get local issuer certificate)`.
public struct HTTPFetchError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The failing step.
    public enum Kind: Sendable, Equatable {
        /// The URL (or a redirect's `Location`) is not an `http://` or `https://` URL this client accepts, or a
        /// redirect would go from `https://` to `http://`.
        case invalidURL
        /// The host name did not resolve.
        case resolve
        /// No address accepted the connection, or the connection failed while in use.
        case connect
        /// The TLS handshake failed: certificate chain, host name, protocol version or an alert from the server.
        case tls
        /// The whole-request deadline (`HTTPFetchOptions.timeout`) passed.
        case timeout
        /// The server answered with this status instead of 200 (or a redirect without `Location`).
        case status(Int)
        /// The response is not valid HTTP/1.1, or the connection closed before it was complete.
        case malformedResponse
        /// The body is larger than `HTTPFetchOptions.maxBodySize`.
        case tooLarge
        /// More redirects than `HTTPFetchOptions.maxRedirects`.
        case tooManyRedirects
    }

    public let kind: Kind
    public let message: String

    public var description: String { message }

    /// An error whose message is only the detail; `HTTPFetcher` prefixes the request before it leaves the module.
    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// This error with the request named in front of its message.
    func request(_ original: String, redirectedTo current: String?) -> HTTPFetchError {
        let subject = current.map { "GET \(original) (redirected to \($0))" } ?? "GET \(original)"
        return HTTPFetchError(kind, "\(subject): \(message)")
    }
}
