import Bytes
import COpenSSL

/// The server side of one TLS connection: an `SSL` object between two memory BIOs, driven by `TCPConnection` on
/// its event loop (no socket BIO, no blocking, no thread).
///
/// Ciphertext read from the socket is appended to the read BIO and `unseal` turns it into plaintext (driving the
/// handshake on the way); `seal` encrypts queued plaintext and moves everything OpenSSL wants to send (handshake
/// messages, records, alerts, close_notify) out of the write BIO into the connection's socket buffer.
/// Loop thread only. `SSL_MODE_RELEASE_BUFFERS` (set on the context) keeps an idle session small.
final class TLSSession {
    /// What one `unseal` call found.
    enum Outcome {
        /// `plaintext` bytes were appended; the session is still open.
        case open(plaintext: Int)
        /// The peer sent close_notify after `plaintext` more bytes.
        case closedByPeer(plaintext: Int)
        /// A fatal TLS error (bad handshake, failed verification, corrupt record); the reason is for the log.
        case failed(reason: String)
    }

    /// Plaintext bytes passed to one `SSL_write` (four full records).
    static let writeChunk = 64 * 1024
    /// A memory BIO never shrinks; once one held more than this and is empty again it is replaced, so a connection
    /// that once moved a burst does not keep the burst's buffers while idle.
    static let retainedBIOLimit = 32 * 1024

    let handshakeTimeout: Duration
    /// Ciphertext for the socket: handshake messages, encrypted records, alerts, close_notify (kept here, not in
    /// every `TCPConnection`, so plain connections do not carry the buffer).
    var sealed = ByteBuffer()
    /// Where this connection's TLS failures are reported (the listener's `onError`), one line per failed connection.
    var onError: (@Sendable (TransportError) -> Void)?
    /// Closes the connection when the handshake takes longer than `handshakeTimeout`.
    var handshakeTimer: TimerID?
    private let ssl: OpaquePointer
    private var readBIO: OpaquePointer
    private var writeBIO: OpaquePointer
    /// Most bytes each BIO held since it was created: what its buffer grew to.
    private var readBIOPeak = 0
    private var writeBIOPeak = 0
    private(set) var isHandshakeComplete = false
    /// After a fatal error OpenSSL must not be asked to read, write or shut down again.
    private(set) var hasFailed = false
    private var shutdownQueued = false

    /// Takes ownership of `ssl`; nil (and `ssl` freed) when the BIOs cannot be allocated.
    init?(ssl: OpaquePointer, handshakeTimeout: Duration) {
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            return nil
        }
        guard let writeBIO = BIO_new(BIO_s_mem()) else {
            BIO_free(readBIO)
            SSL_free(ssl)
            return nil
        }
        SSL_set_bio(ssl, readBIO, writeBIO)
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.handshakeTimeout = handshakeTimeout
    }

    deinit {
        SSL_free(ssl)
    }

    /// True when OpenSSL has bytes for the peer (e.g. the server's handshake flight after `unseal`).
    var hasOutput: Bool { BIO_ctrl_pending(writeBIO) > 0 }

    /// Queues ciphertext received from the socket (a memory BIO grows; it never refuses).
    func receive(_ ciphertext: UnsafeRawBufferPointer) {
        guard !hasFailed, ciphertext.count > 0 else { return }
        _ = BIO_write(readBIO, ciphertext.baseAddress, Int32(ciphertext.count))
        readBIOPeak = max(readBIOPeak, Int(BIO_ctrl_pending(readBIO)))
    }

    /// Decrypts every complete record received so far into `plaintext`, using `scratch` as the decryption target.
    /// Advances the handshake when it is not complete; afterwards `hasOutput` says whether a reply must be flushed.
    func unseal(into plaintext: inout ByteBuffer, scratch: UnsafeMutableRawBufferPointer) -> Outcome {
        guard !hasFailed else { return .failed(reason: "TLS session already failed") }
        OpenSSLErrorQueue.clear()
        var total = 0
        while true {
            var count = 0
            let rc = SSL_read_ex(ssl, scratch.baseAddress, scratch.count, &count)
            if rc == 1 {
                plaintext.writeBytes(UnsafeRawBufferPointer(start: scratch.baseAddress, count: count))
                total += count
                continue
            }
            noteHandshake()
            switch SSL_get_error(ssl, rc) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                if readBIOPeak > Self.retainedBIOLimit && BIO_ctrl_pending(readBIO) == 0,
                    let fresh = BIO_new(BIO_s_mem())
                {
                    SSL_set0_rbio(ssl, fresh)
                    readBIO = fresh
                    readBIOPeak = 0
                }
                return .open(plaintext: total)
            case SSL_ERROR_ZERO_RETURN:
                return .closedByPeer(plaintext: total)
            case let code:
                return .failed(reason: failureReason(code))
            }
        }
    }

    /// Encrypts queued plaintext (only once the handshake is complete) while fewer than `limit` ciphertext bytes are
    /// waiting, queues close_notify when `finish` is set and all plaintext is sealed, and appends everything OpenSSL
    /// produced to `sealed`. Returns the reason when encryption failed fatally.
    func seal(_ plaintext: inout ByteBuffer, limit: Int, finish: Bool) -> String? {
        if isHandshakeComplete && !hasFailed {
            OpenSSLErrorQueue.clear()
            while plaintext.readableBytes > 0 && sealed.readableBytes < limit {
                let chunk = min(plaintext.readableBytes, Self.writeChunk)
                var written = 0
                let rc = plaintext.withReadableBytes { SSL_write_ex(ssl, $0.baseAddress, chunk, &written) }
                guard rc == 1 else {
                    let reason = failureReason(SSL_get_error(ssl, rc))
                    drainOutput(into: &sealed)
                    return reason
                }
                plaintext.moveReaderIndex(forwardBy: written)
                drainOutput(into: &sealed)
            }
            if finish && plaintext.readableBytes == 0 && !shutdownQueued {
                shutdownQueued = true
                _ = SSL_shutdown(ssl)
                OpenSSLErrorQueue.clear()
            }
        }
        drainOutput(into: &sealed)
        return nil
    }

    private func drainOutput(into ciphertext: inout ByteBuffer) {
        let pending = Int(BIO_ctrl_pending(writeBIO))
        guard pending > 0 else { return }
        writeBIOPeak = max(writeBIOPeak, pending)
        _ = ciphertext.writeWithUnsafeMutableBytes(maximum: pending) { raw in
            max(0, Int(BIO_read(writeBIO, raw.baseAddress, Int32(raw.count))))
        }
        if writeBIOPeak > Self.retainedBIOLimit && BIO_ctrl_pending(writeBIO) == 0, let fresh = BIO_new(BIO_s_mem()) {
            SSL_set0_wbio(ssl, fresh)
            writeBIO = fresh
            writeBIOPeak = 0
        }
    }

    /// The negotiated protocol (`TLSv1.3`) and cipher suite, once the handshake is complete.
    var negotiated: (protocolVersion: String, cipher: String)? {
        guard isHandshakeComplete, let version = SSL_get_version(ssl), let cipher = SSL_get_current_cipher(ssl),
            let name = SSL_CIPHER_get_name(cipher)
        else { return nil }
        return (String(cString: version), String(cString: name))
    }

    private func noteHandshake() {
        if !isHandshakeComplete && SSL_is_init_finished(ssl) == 1 { isHandshakeComplete = true }
    }

    /// Marks the session failed and explains why: a failed certificate verification in X.509 words, otherwise the
    /// OpenSSL error queue.
    private func failureReason(_ code: Int32) -> String {
        hasFailed = true
        let verification = SSL_get_verify_result(ssl)
        if verification != X509_V_OK, let text = X509_verify_cert_error_string(verification) {
            OpenSSLErrorQueue.clear()
            return "client certificate: \(String(cString: text))"
        }
        return OpenSSLErrorQueue.drain(fallback: code == SSL_ERROR_SYSCALL ? "unexpected end of stream" : "TLS error \(code)")
    }
}
