/// What a TLS listener serves: certificate chain, private key, protocol floor, ciphers and client-certificate policy.
///
/// Mirrors the `[main] tls_*` settings; paths are re-read by `TLSContext.reload()`, so a renewed certificate
/// written to the same files is picked up on SIGHUP.
public struct TLSConfiguration: Sendable {
    /// PEM file with the server certificate first, then any intermediates (`tls_cert`).
    public var certificateChainPath: String
    /// PEM file with the private key (`tls_key`); nil means the key is in ``certificateChainPath``.
    public var privateKeyPath: String?
    /// Lowest protocol version accepted: "1.0", "1.1", "1.2" or "1.3" (`tls_min_version`). Below 1.2 the OpenSSL
    /// security level drops to 0, since OpenSSL 3 refuses the SHA-1/MD5 handshake signatures of TLS 1.0/1.1 otherwise.
    public var minimumVersion: String = "1.2"
    /// OpenSSL cipher string for TLS ≤ 1.2 (`tls_ciphers`); nil keeps OpenSSL's default. TLS 1.3 suites are not
    /// affected.
    public var ciphers: String?
    /// Require a client certificate signed by ``caCertificatePath`` (`tls_verify_peer`, mutual TLS); a client
    /// without one fails the handshake.
    public var verifyPeer: Bool = false
    /// PEM file of the CAs trusted for client certificates (`tls_ca_cert`); required when ``verifyPeer`` is on.
    public var caCertificatePath: String?
    /// A connection whose handshake has not completed by then is closed, so idle sockets cannot hold a slot forever.
    public var handshakeTimeout: Duration = .seconds(10)

    public init(certificateChainPath: String, privateKeyPath: String? = nil) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }
}
