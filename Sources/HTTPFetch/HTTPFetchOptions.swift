/// Limits and trust settings for one `HTTPFetcher.get` call.
///
/// The defaults suit small JSON documents such as a JWKS or an OpenID discovery document: a whole-request deadline
/// of 10 s, bodies up to 1 MiB, up to 3 redirects, and the system's CA certificates for `https://`.
public struct HTTPFetchOptions: Sendable {
    /// A PEM file of CA certificates that `https://` servers must chain to; `nil` uses OpenSSL's default CA paths
    /// (`SSL_CTX_set_default_verify_paths`, i.e. the system bundle).
    public var caFile: String?
    /// The deadline for the whole call: resolving, connecting, the TLS handshake, the request, the response, and
    /// every redirect hop. Name resolution (`getaddrinfo`) is blocking and only checked against it afterwards.
    public var timeout: Duration
    /// The largest body accepted; a larger one fails with `.tooLarge` as soon as its size is known or exceeded.
    public var maxBodySize: Int
    /// How many redirects are followed before the call fails with `.tooManyRedirects`.
    public var maxRedirects: Int

    public init(
        caFile: String? = nil, timeout: Duration = .seconds(10), maxBodySize: Int = 1 << 20, maxRedirects: Int = 3
    ) {
        self.caFile = caFile
        self.timeout = timeout
        self.maxBodySize = maxBodySize
        self.maxRedirects = maxRedirects
    }
}
