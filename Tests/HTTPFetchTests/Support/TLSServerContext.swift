import COpenSSL
import Foundation
import TLSTestSupport

/// The OpenSSL server context of a `TestHTTPServer`: one certificate and key, any TLS version OpenSSL allows.
final class TLSServerContext: Sendable {
    nonisolated(unsafe) private let context: OpaquePointer

    init(_ identity: TestPKI.Identity) throws {
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TestHTTPServer.Failure(description: "SSL_CTX_new failed")
        }
        guard SSL_CTX_use_certificate_chain_file(context, identity.certificate) == 1,
            SSL_CTX_use_PrivateKey_file(context, identity.key, SSL_FILETYPE_PEM) == 1
        else {
            SSL_CTX_free(context)
            throw TestHTTPServer.Failure(description: "cannot load \(identity.certificate)")
        }
        self.context = context
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// The server side of a handshake on a blocking socket; nil when the client gave up or rejected the
    /// certificate.
    func accept(_ connection: Int32) -> OpaquePointer? {
        guard let session = SSL_new(context) else { return nil }
        SSL_set_fd(session, connection)
        ERR_clear_error()
        guard SSL_accept(session) == 1 else {
            ERR_clear_error()
            SSL_free(session)
            return nil
        }
        return session
    }
}
