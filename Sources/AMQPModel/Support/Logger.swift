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
        let flat = message.contains("\n") ? message.split(separator: "\n").joined(separator: " ") : message
        var line = "\(Self.timestamp()) [\(level.label)] \(label): \(flat)\n"
        line.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(2, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }

    private static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
