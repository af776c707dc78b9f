import COpenSSL
import Glibc

/// The client side of one TLS connection: OpenSSL driven over a non-blocking `Socket`, waiting with `poll` on
/// `SSL_ERROR_WANT_READ`/`WANT_WRITE`, so the fetch deadline holds during the handshake, the request and the response.
///
/// Policy: TLS 1.2 or newer; the server's chain must verify against the CA file (or the system's CA paths); the
/// certificate must name the host (`SSL_set1_host`) or, for an IP literal, the address
/// (`X509_VERIFY_PARAM_set1_ip_asc`); SNI is sent for names only (RFC 6066 §3 forbids literal addresses in it).
final class TLSClient {
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let socket: Socket
    /// Set after a fatal error: OpenSSL forbids `SSL_shutdown` then.
    private var failed = false

    private init(context: OpaquePointer, ssl: OpaquePointer, socket: Socket) {
        self.context = context
        self.ssl = ssl
        self.socket = socket
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Sets up a session for `url` over `socket` and completes the handshake, or throws `.tls` with OpenSSL's
    /// reason and, for a rejected certificate, the verification result.
    static func handshake(over socket: Socket, for url: FetchURL, caFile: String?, deadline: Deadline)
        throws(HTTPFetchError) -> TLSClient
    {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw HTTPFetchError(.tls, "cannot create a TLS context: \(reason(fallback: "out of memory"))")
        }
        _ = gw_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw HTTPFetchError(.tls, "cannot create a TLS session: \(reason(fallback: "out of memory"))")
        }
        let client = TLSClient(context: context, ssl: ssl, socket: socket)
        try client.configure(for: url, caFile: caFile)
        try client.connect(to: url, deadline: deadline)
        return client
    }

    private func configure(for url: FetchURL, caFile: String?) throws(HTTPFetchError) {
        if let caFile {
            guard access(caFile, R_OK) == 0 else {
                throw HTTPFetchError(.tls, "CA file \(caFile): \(String(cString: strerror(errno)))")
            }
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw HTTPFetchError(.tls, "CA file \(caFile): \(Self.reason(fallback: "no PEM certificate in it"))")
            }
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            throw HTTPFetchError(
                .tls, "cannot load the system CA certificates: \(Self.reason(fallback: "unknown error"))")
        }
        let named: Bool
        switch url.hostKind {
        case .name:
            named = gw_SSL_set_tlsext_host_name(ssl, url.host) == 1 && SSL_set1_host(ssl, url.host) == 1
        case .ipv4, .ipv6:
            named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host) == 1
        }
        guard named else {
            throw HTTPFetchError(.tls, "cannot set the expected host \(url.host): \(Self.reason(fallback: "rejected"))")
        }
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        guard SSL_set_fd(ssl, socket.fd) == 1 else {
            throw HTTPFetchError(.tls, "cannot attach the TLS session: \(Self.reason(fallback: "unknown error"))")
        }
    }

    private func connect(to url: FetchURL, deadline: Deadline) throws(HTTPFetchError) {
        while true {
            ERR_clear_error()
            let rc = SSL_connect(ssl)
            if rc == 1 { return }
            let error = SSL_get_error(ssl, rc)
            switch error {
            case SSL_ERROR_WANT_READ:
                try socket.wait(for: POLLIN, until: deadline, while: "in the TLS handshake with \(url.host)")
            case SSL_ERROR_WANT_WRITE:
                try socket.wait(for: POLLOUT, until: deadline, while: "in the TLS handshake with \(url.host)")
            default:
                throw HTTPFetchError(.tls, handshakeFailure(error))
            }
        }
    }

    /// OpenSSL's reason, with the certificate verification result when that is what failed, e.g.
    /// "certificate verify failed (unable to get local issuer certificate)".
    private func handshakeFailure(_ error: Int32) -> String {
        let errnoValue = errno
        var text = Self.reason(fallback: "")
        let verification = SSL_get_verify_result(ssl)
        if verification != X509_V_OK {
            let detail = String(cString: X509_verify_cert_error_string(verification))
            text = text.isEmpty ? "certificate verify failed (\(detail))" : "\(text) (\(detail))"
        }
        if text.isEmpty {
            text =
                error == SSL_ERROR_SYSCALL && errnoValue != 0
                ? "TLS handshake failed: \(String(cString: strerror(errnoValue)))"
                : "the server closed the connection during the TLS handshake"
        }
        return text
    }

    /// Writes all of `bytes` (OpenSSL without partial writes: a retry passes the same buffer).
    func write(_ bytes: [UInt8], until deadline: Deadline) throws(HTTPFetchError) {
        while true {
            var written = 0
            ERR_clear_error()
            let rc = bytes.withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress, $0.count, &written) }
            if rc == 1 { return }
            let error = SSL_get_error(ssl, rc)
            switch error {
            case SSL_ERROR_WANT_READ: try socket.wait(for: POLLIN, until: deadline, while: "sending the request")
            case SSL_ERROR_WANT_WRITE: try socket.wait(for: POLLOUT, until: deadline, while: "sending the request")
            default:
                failed = true
                throw HTTPFetchError(.connect, "sending the request failed: \(failure(error))")
            }
        }
    }

    /// Reads decrypted bytes into `buffer`, or reports how the stream ended: cleanly with the server's
    /// close_notify, or uncleanly when TCP ended without it (then a truncated body looks complete).
    func read(into buffer: inout [UInt8], until deadline: Deadline) throws(HTTPFetchError) -> HTTPConnection.Received {
        while true {
            var count = 0
            ERR_clear_error()
            let rc = buffer.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
            if rc == 1 { return .bytes(count) }
            let error = SSL_get_error(ssl, rc)
            switch error {
            case SSL_ERROR_WANT_READ:
                try socket.wait(for: POLLIN, until: deadline, while: "waiting for the response")
            case SSL_ERROR_WANT_WRITE:
                try socket.wait(for: POLLOUT, until: deadline, while: "waiting for the response")
            case SSL_ERROR_ZERO_RETURN:
                return .end(clean: true)
            case SSL_ERROR_SYSCALL where ERR_peek_error() == 0 && errno == 0:
                failed = true
                return .end(clean: false)
            case SSL_ERROR_SSL where ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING:
                ERR_clear_error()
                failed = true
                return .end(clean: false)
            default:
                failed = true
                throw HTTPFetchError(.connect, "reading the response failed: \(failure(error))")
            }
        }
    }

    /// Sends close_notify if it fits in the socket buffer right away; the connection is closed either way.
    func shutdown() {
        guard !failed else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    private func failure(_ error: Int32) -> String {
        let errnoValue = errno
        return Self.reason(
            fallback: error == SSL_ERROR_SYSCALL && errnoValue != 0
                ? String(cString: strerror(errnoValue)) : "connection closed")
    }

    /// Empties this thread's OpenSSL error queue into one reason (oldest first), or `fallback` when it was empty.
    private static func reason(fallback: String) -> String {
        var text = [CChar](repeating: 0, count: 1024)
        guard gw_openssl_drain_errors(&text, text.count) > 0 else { return fallback }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
