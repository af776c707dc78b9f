import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Severity of a log line.
public enum LogSeverity: Int, Sendable, Comparable {
    case debug = 0, info, warning, error

    public static func < (a: LogSeverity, b: LogSeverity) -> Bool { a.rawValue < b.rawValue }

    var label: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }
}

/// One-line-per-event logging to standard error: `2026-11-25T12:00:00.123Z [info] amqp: message`.
///
/// A disabled level costs one atomic load: messages are autoclosures built only when logged.
/// Each line goes out in a single `write(2)`, so lines from different threads never interleave.
public struct Logger: Sendable {
    /// The component name printed on every line.
    public let label: String

    private static let threshold = Atomic<Int>(LogSeverity.info.rawValue)

    /// A logger for one component.
    public init(label: String) { self.label = label }

    /// Sets the process-wide minimum severity.
    public static func setLevel(_ level: LogSeverity) { threshold.store(level.rawValue, ordering: .relaxed) }

    /// True when `level` would be logged.
    @inlinable public func isEnabled(_ level: LogSeverity) -> Bool { level.rawValue >= Self.currentThreshold }

    @usableFromInline static var currentThreshold: Int { threshold.load(ordering: .relaxed) }

    @inlinable public func debug(_ message: @autoclosure () -> String) { log(.debug, message) }
    @inlinable public func info(_ message: @autoclosure () -> String) { log(.info, message) }
    @inlinable public func warning(_ message: @autoclosure () -> String) { log(.warning, message) }
    @inlinable public func error(_ message: @autoclosure () -> String) { log(.error, message) }

    @inlinable func log(_ level: LogSeverity, _ message: () -> String) {
        guard isEnabled(level) else { return }
        emit(level, message())
    }

    @usableFromInline func emit(_ level: LogSeverity, _ message: String) {
        write(Self.line(level, label: label, message, at: Self.now()))
    }

    /// The bytes of one line: timestamp, level, label, the message with line breaks turned into spaces, newline.
    static func line(_ level: LogSeverity, label: String, _ message: String, at time: timespec) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(message.utf8.count + label.utf8.count + 40)
        appendTimestamp(time, to: &line)
        line.append(contentsOf: " [".utf8)
        line.append(contentsOf: level.label.utf8)
        line.append(contentsOf: "] ".utf8)
        line.append(contentsOf: label.utf8)
        line.append(contentsOf: ": ".utf8)
        for byte in message.utf8 { line.append(byte == 10 || byte == 13 ? 32 : byte) }
        line.append(10)
        return line
    }

    private static func now() -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts
    }

    /// `2026-11-25T12:00:00.123Z`, in UTC.
    private static func appendTimestamp(_ ts: timespec, to line: inout [UInt8]) {
        var t = ts.tv_sec
        var tm = tm()
        gmtime_r(&t, &tm)
        func digits(_ value: Int, _ width: Int, then separator: UInt8?) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                line.append(UInt8(48 + (v / divisor) % 10))
                v %= divisor
                divisor /= 10
            }
            if let separator { line.append(separator) }
        }
        digits(Int(tm.tm_year) + 1900, 4, then: UInt8(ascii: "-"))
        digits(Int(tm.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
        digits(Int(tm.tm_mday), 2, then: UInt8(ascii: "T"))
        digits(Int(tm.tm_hour), 2, then: UInt8(ascii: ":"))
        digits(Int(tm.tm_min), 2, then: UInt8(ascii: ":"))
        digits(Int(tm.tm_sec), 2, then: UInt8(ascii: "."))
        digits(Int(ts.tv_nsec / 1_000_000), 3, then: UInt8(ascii: "Z"))
    }

    /// One `write(2)` per line (retried for a short write), so lines from different threads never interleave.
    private func write(_ line: [UInt8]) {
        line.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(2, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }
}
