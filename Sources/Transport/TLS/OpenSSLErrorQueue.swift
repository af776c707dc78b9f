import COpenSSL

/// The calling thread's OpenSSL error queue, read as one human-readable reason.
///
/// OpenSSL reports failures by pushing codes onto a per-thread queue; a leftover entry would be misattributed to
/// the next call on the same loop thread, so every TLS operation clears it first and drains it on failure.
enum OpenSSLErrorQueue {
    /// Empties the queue and returns its reasons (oldest first, joined by "; "), or `fallback` when it was empty.
    static func drain(fallback: String) -> String {
        var text = [CChar](repeating: 0, count: 1024)
        guard gw_openssl_drain_errors(&text, text.count) > 0 else { return fallback }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Drops whatever an earlier call left behind (required before `SSL_read`/`SSL_write`/`SSL_shutdown`).
    @inline(__always)
    static func clear() {
        ERR_clear_error()
    }
}
