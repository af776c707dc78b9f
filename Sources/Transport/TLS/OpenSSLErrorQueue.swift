import COpenSSL

/// The calling thread's OpenSSL error queue, read as one human-readable reason.
///
/// OpenSSL reports failures by pushing codes onto a per-thread queue; a leftover entry would be misattributed to
/// the next call on the same loop thread, so every TLS operation clears it first and drains it on failure.
enum OpenSSLErrorQueue {
    /// Empties the queue and returns its reasons (oldest first, joined by "; "), or `fallback` when it was empty.
    static func drain(fallback: String) -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            guard code != 0 else { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                var text = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &text, text.count)
                reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return reasons.isEmpty ? fallback : reasons.joined(separator: "; ")
    }

    /// Drops whatever an earlier call left behind (required before `SSL_read`/`SSL_write`/`SSL_shutdown`).
    @inline(__always)
    static func clear() {
        ERR_clear_error()
    }
}
