/// The severity threshold for logging, ordered from most to least verbose.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error

    /// Parses a level name case-insensitively; "warn" is accepted for ``warning``.
    public init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "warn" {
            self = .warning
        } else if let level = LogLevel(rawValue: lowered) {
            self = level
        } else {
            return nil
        }
    }

    private var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}
