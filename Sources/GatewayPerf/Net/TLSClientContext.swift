import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// A client-side OpenSSL context (`SSL_CTX`): TLS 1.2 or later, the server verified against `--cafile` when one
/// is given (not at all otherwise), an optional client certificate. Everything is loaded and checked up front,
/// so a bad file stops the run before the first connect.
///
/// Sessions are never resumed: every connection makes a full handshake, which is what `mqtt connections --tls`
/// means to measure. `SSL_MODE_ENABLE_PARTIAL_WRITE` lets a blocking `SSL_write` report the records it sent
/// before its send timeout the way `send(2)` does, so the batched write loops stay as they are (a retry passes
/// the rest of the same batch, as OpenSSL requires).
///
/// Shared by the connections of one run; `SSL_new` on one `SSL_CTX` is thread-safe, hence `@unchecked Sendable`.
final class TLSClientContext: @unchecked Sendable {
    /// What the connections are used for, which decides the buffer strategy.
    enum Use {
        /// A few busy connections: read-ahead with a 128 KiB read buffer, so one `recv` takes many records.
        case throughput
        /// Thousands of idle connections: buffers released while idle, records read one at a time (so a
        /// level-triggered epoll still sees the unread ones).
        case idleClients
    }

    private let context: OpaquePointer
    /// Whether the server's certificate is verified (a CA file was given).
    let verifiesServer: Bool

    /// Builds the context from the command-line options.
    /// - Throws: `PerfError.tls` naming the file or setting that is wrong.
    init(options: TLSClientOptions, use: Use) throws(PerfError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .tls("cannot create a TLS context: \(Self.errorText(fallback: "out of memory"))")
        }
        self.context = context
        verifiesServer = options.caFile != nil
        // From here on a throw runs deinit, which frees the context.
        guard gw_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw .tls("cannot require TLS 1.2: \(Self.errorText(fallback: "not supported"))")
        }
        var mode = Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        switch use {
        case .throughput:
            _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_READ_AHEAD, 1, nil)
            SSL_CTX_set_default_read_buffer_len(context, 128 << 10)
        case .idleClients:
            mode |= Int(SSL_MODE_RELEASE_BUFFERS)
        }
        _ = gw_SSL_CTX_set_mode(context, mode)
        if let caFile = options.caFile {
            try Self.checkReadable(caFile, option: "--cafile")
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw .tls("--cafile \(caFile): \(Self.errorText(fallback: "no PEM certificate in it"))")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        if let certificate = options.certificateFile {
            try Self.checkReadable(certificate, option: "--cert")
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw .tls("--cert \(certificate): \(Self.errorText(fallback: "not a PEM certificate"))")
            }
            let key = options.keyFile ?? certificate
            let option = options.keyFile == nil ? "--cert (no --key, key expected in it)" : "--key"
            try Self.checkReadable(key, option: option)
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1,
                SSL_CTX_check_private_key(context) == 1
            else {
                throw .tls("\(option) \(key): \(Self.errorText(fallback: "not a PEM private key matching --cert"))")
            }
        }
    }

    deinit { SSL_CTX_free(context) }

    /// A client session (`SSL`) on `fd` for `host`: SNI when the host is a name, and with `--cafile` the
    /// certificate must name that host or IP address. The caller runs `SSL_connect` and frees the session.
    /// - Throws: `PerfError.tls` when OpenSSL runs out of memory.
    func makeSession(fd: Int32, host: String) throws(PerfError) -> OpaquePointer {
        ERR_clear_error()
        guard let ssl = SSL_new(context) else {
            throw .tls("cannot create a TLS session: \(Self.errorText(fallback: "out of memory"))")
        }
        _ = SSL_set_fd(ssl, fd)
        let isAddress = Self.isIPAddress(host)
        if !isAddress {
            _ = host.withCString { SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0)) }
        }
        if verifiesServer {
            if isAddress {
                _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
            } else {
                _ = SSL_set1_host(ssl, host)
            }
        }
        SSL_set_connect_state(ssl)
        return ssl
    }

    /// Why `SSL_connect` on `ssl` returned `result`: a certificate that did not verify, the server closing the
    /// connection, or OpenSSL's reasons. Empties the thread's error queue.
    static func handshakeFailure(_ ssl: OpaquePointer, result: Int32) -> String {
        let verify = SSL_get_verify_result(ssl)
        if verify != Int(X509_V_OK) {
            ERR_clear_error()
            return "the broker's certificate did not verify: \(String(cString: X509_verify_cert_error_string(verify))) "
                + "(check --cafile, and that the certificate names the host in the URI)"
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return "no answer in time"
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
            let reason = errno == 0 ? "the broker closed the connection" : StandardError.describe(errno: errno)
            return "\(reason) (is this a TLS port?)"
        default:
            return errorText(fallback: "the broker broke off the handshake") + " (is this a TLS port?)"
        }
    }

    /// Empties the calling thread's OpenSSL error queue into one line (oldest first), or `fallback` when empty.
    static func errorText(fallback: String) -> String {
        var text = [CChar](repeating: 0, count: 1024)
        guard gw_openssl_drain_errors(&text, text.count) > 0 else { return fallback }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Whether the last failed TLS read ended because the peer closed TCP without a close_notify.
    static func isUnexpectedEOF() -> Bool {
        ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var scratch = in6_addr()
        return inet_pton(AF_INET, host, &scratch) == 1 || inet_pton(AF_INET6, host, &scratch) == 1
    }

    /// Turns a missing or unreadable file into the system's own words before OpenSSL's vaguer ones.
    private static func checkReadable(_ path: String, option: String) throws(PerfError) {
        guard access(path, R_OK) != 0 else { return }
        throw .tls("\(option) \(path): \(StandardError.describe(errno: errno))")
    }
}
