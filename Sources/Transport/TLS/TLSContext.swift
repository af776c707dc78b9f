import COpenSSL
import Glibc
import Locks

/// A server-side OpenSSL context (`SSL_CTX`) built from a `TLSConfiguration`, shared by every TLS listener and loop.
///
/// Creating one loads and checks everything up front (files readable, key matches certificate, cipher string and
/// version valid) so a mistake stops the start with a clear `TLSError`. `reload()` builds a fresh `SSL_CTX` from the
/// same paths and swaps it in for new connections; an established connection keeps a reference to the context it
/// was accepted with (OpenSSL reference-counts `SSL_CTX`), so nothing is dropped by a certificate rotation.
/// The lock is held only to read or swap the pointer and to `SSL_new`, i.e. once per accepted connection.
public final class TLSContext: Sendable {
    public let configuration: TLSConfiguration
    private let current: Lock<Handle>

    /// Builds the context; throws when a file is missing or unreadable, the key does not match the certificate,
    /// the CA file is needed but missing, or the version or cipher string is invalid.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        self.configuration = configuration
        current = Lock(try Handle(configuration))
    }

    /// Re-reads certificate, key and CA file and uses them for connections accepted from now on. On error the
    /// current context stays in use.
    public func reload() throws(TLSError) {
        var fresh = try Handle(configuration)
        current.withLock { swap(&$0, &fresh) }
        // `fresh` now holds the previous context; its reference is dropped here, outside the lock.
    }

    /// A server session on the current context for one accepted socket.
    func makeSession() throws(TLSError) -> TLSSession {
        let ssl = current.withLock { SSL_new($0.context) }
        guard let ssl else {
            throw TLSError("cannot create a TLS session: \(OpenSSLErrorQueue.drain(fallback: "out of memory"))")
        }
        guard let session = TLSSession(ssl: ssl, handshakeTimeout: configuration.handshakeTimeout) else {
            throw TLSError("cannot create TLS buffers: \(OpenSSLErrorQueue.drain(fallback: "out of memory"))")
        }
        return session
    }

    /// Owns one `SSL_CTX` reference.
    private final class Handle: @unchecked Sendable {
        let context: OpaquePointer

        init(_ configuration: TLSConfiguration) throws(TLSError) {
            OpenSSLErrorQueue.clear()
            guard let context = SSL_CTX_new(TLS_server_method()) else {
                throw TLSError("cannot create a TLS context: \(OpenSSLErrorQueue.drain(fallback: "out of memory"))")
            }
            do {
                try Self.configure(context, configuration)
            } catch {
                SSL_CTX_free(context)
                OpenSSLErrorQueue.clear()
                throw error
            }
            self.context = context
        }

        deinit {
            SSL_CTX_free(context)
        }

        private static func configure(_ context: OpaquePointer, _ c: TLSConfiguration) throws(TLSError) {
            let version = try protocolVersion(c.minimumVersion)
            _ = SSL_CTX_set_options(context, gw_ssl_server_options())
            _ = gw_SSL_CTX_set_mode(context, gw_ssl_server_mode())
            if version < TLS1_2_VERSION { SSL_CTX_set_security_level(context, 0) }
            guard gw_SSL_CTX_set_min_proto_version(context, version) == 1 else {
                throw TLSError("tls_min_version \(c.minimumVersion): \(OpenSSLErrorQueue.drain(fallback: "not supported"))")
            }
            if let ciphers = c.ciphers, SSL_CTX_set_cipher_list(context, ciphers) != 1 {
                throw TLSError("tls_ciphers '\(ciphers)': \(OpenSSLErrorQueue.drain(fallback: "no usable cipher"))")
            }
            let sessionContext: [UInt8] = Array("gateway".utf8)
            _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))

            let certificate = c.certificateChainPath
            try checkReadable(certificate, setting: "tls_cert")
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw TLSError("tls_cert \(certificate): \(OpenSSLErrorQueue.drain(fallback: "not a PEM certificate"))")
            }
            let key = c.privateKeyPath ?? certificate
            let keySetting = c.privateKeyPath == nil ? "tls_cert (no tls_key set, key expected in it)" : "tls_key"
            try checkReadable(key, setting: keySetting)
            let mismatch = TLSError("\(keySetting == "tls_key" ? "tls_key \(key)" : "the key in tls_cert") does not match tls_cert \(certificate)")
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                // OpenSSL already compares the key with the loaded certificate here.
                let code = ERR_peek_last_error()
                if ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH {
                    OpenSSLErrorQueue.clear()
                    throw mismatch
                }
                throw TLSError("\(keySetting) \(key): \(OpenSSLErrorQueue.drain(fallback: "not a PEM private key"))")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                OpenSSLErrorQueue.clear()
                throw mismatch
            }

            guard c.verifyPeer else { return }
            guard let authorities = c.caCertificatePath else {
                throw TLSError("tls_verify_peer is on but tls_ca_cert is not set: client certificates need a CA file")
            }
            try checkReadable(authorities, setting: "tls_ca_cert")
            guard SSL_CTX_load_verify_locations(context, authorities, nil) == 1 else {
                throw TLSError("tls_ca_cert \(authorities): \(OpenSSLErrorQueue.drain(fallback: "no PEM certificate"))")
            }
            if let names = SSL_load_client_CA_file(authorities) { SSL_CTX_set_client_CA_list(context, names) }
            SSL_CTX_set_verify(context, gw_ssl_verify_required(), nil)
        }

        private static func protocolVersion(_ text: String) throws(TLSError) -> Int32 {
            switch text {
            case "1.0": TLS1_VERSION
            case "1.1": TLS1_1_VERSION
            case "1.2": TLS1_2_VERSION
            case "1.3": TLS1_3_VERSION
            default: throw TLSError("tls_min_version '\(text)' is not one of 1.0, 1.1, 1.2, 1.3")
            }
        }

        /// Turns a missing or unreadable file into the system's own words before OpenSSL's vaguer ones.
        private static func checkReadable(_ path: String, setting: String) throws(TLSError) {
            guard access(path, R_OK) != 0 else { return }
            throw TLSError("\(setting) \(path): \(String(cString: strerror(errno)))")
        }
    }
}
