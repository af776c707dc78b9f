#if canImport(Glibc)
import Glibc
#endif

/// Writes lines to stderr, where progress and diagnostics go so stdout carries only the result.
enum StandardError {
    /// Writes `line` and a newline to stderr (file descriptor 2, unbuffered: one `write` per line).
    static func print(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// The text of an errno value ("Connection refused").
    static func describe(errno code: Int32) -> String {
        String(cString: strerror(code))
    }
}
