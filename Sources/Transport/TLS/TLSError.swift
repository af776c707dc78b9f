/// Why a TLS context could not be built (or rebuilt by `TLSContext.reload()`): the setting and file at fault and
/// OpenSSL's reason, e.g. `tls_cert /x/cert.pem: No such file or directory` or
/// `tls_key /x/key.pem does not match tls_cert /x/cert.pem`.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    /// The whole message, ready to log or show.
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
