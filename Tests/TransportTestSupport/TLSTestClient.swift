import COpenSSL
import Glibc
import TLSTestSupport

/// A blocking TLS client for tests: OpenSSL over a `TestClient` socket (10 s timeouts), verifying the server
/// against a CA file, optionally presenting a client certificate or capping the protocol version.
public final class TLSTestClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let tcp: TestClient
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    /// Connects and completes the handshake; throws with OpenSSL's reason when the handshake fails.
    /// `maxVersion` (e.g. `TLS1_1_VERSION`) also lowers the client's security level so old versions can be offered.
    /// `preface` is sent in clear before the ClientHello (a PROXY protocol header).
    public init(
        port: Int, trusting caFile: String, identity: TestPKI.Identity? = nil, maxVersion: Int32? = nil,
        preface: [UInt8] = []
    ) throws {
        tcp = try TestClient(port: port)
        try tcp.send(preface)
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Failure(description: "SSL_CTX_new failed") }
        self.context = context
        guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
            SSL_CTX_free(context)
            throw Failure(description: "cannot load \(caFile)")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let maxVersion {
            SSL_CTX_set_security_level(context, 0)
            _ = gw_SSL_CTX_set_min_proto_version(context, TLS1_VERSION)
            _ = gw_SSL_CTX_set_max_proto_version(context, maxVersion)
        }
        if let identity {
            guard SSL_CTX_use_certificate_file(context, identity.certificate, SSL_FILETYPE_PEM) == 1,
                SSL_CTX_use_PrivateKey_file(context, identity.key, SSL_FILETYPE_PEM) == 1
            else {
                SSL_CTX_free(context)
                throw Failure(description: "cannot load the client identity")
            }
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw Failure(description: "SSL_new failed")
        }
        self.ssl = ssl
        SSL_set_fd(ssl, tcp.fd)
        ERR_clear_error()
        guard SSL_connect(ssl) == 1 else { throw Failure(description: "handshake: \(Self.reason())") }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// The negotiated protocol, e.g. "TLSv1.3".
    public var protocolVersion: String {
        String(cString: SSL_get_version(ssl))
    }

    /// The serial number of the certificate the server presented.
    public var serverSerial: Int {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return -1 }
        defer { X509_free(certificate) }
        return ASN1_INTEGER_get(X509_get_serialNumber(certificate))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            var written = 0
            ERR_clear_error()
            let rc = bytes.withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress! + offset, $0.count - offset, &written) }
            guard rc == 1 else { throw Failure(description: "write: \(Self.reason())") }
            offset += written
        }
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Reads exactly `count` plaintext bytes (throws on timeout, close or a TLS alert).
    public func receive(_ count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            var read = 0
            ERR_clear_error()
            let rc = result.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress! + offset, count - offset, &read) }
            guard rc == 1 else {
                throw Failure(description: "read: got \(offset) of \(count) bytes: \(Self.reason())")
            }
            offset += read
        }
        return result
    }

    public func receiveString(_ count: Int) throws -> String {
        String(decoding: try receive(count), as: UTF8.self)
    }

    /// Reads until the stream ends; true when it ended with the server's close_notify.
    public func receivedCloseNotify() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            var read = 0
            ERR_clear_error()
            let rc = chunk.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress!, $0.count, &read) }
            if rc == 1 { continue }
            return SSL_get_error(ssl, rc) == SSL_ERROR_ZERO_RETURN
        }
    }

    private static func reason() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            reasons.append(ERR_reason_error_string(code).map { String(cString: $0) } ?? "error \(code)")
        }
        return reasons.isEmpty ? "connection closed (errno \(errno))" : reasons.joined(separator: "; ")
    }
}
