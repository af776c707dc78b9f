import Synchronization

/// A thread-safe event log shared between handlers on loop threads and the test thread.
public final class Recorder: Sendable {
    private let events = Mutex<[String]>([])

    public init() {}

    public func record(_ event: String) {
        events.withLock { $0.append(event) }
    }

    public var all: [String] {
        events.withLock { $0 }
    }

    public func count(_ event: String) -> Int {
        events.withLock { $0.filter { $0 == event }.count }
    }

    public func contains(_ event: String) -> Bool {
        count(event) > 0
    }
}
