import Synchronization

/// A thread-safe event log shared between handlers on loop threads and the test thread.
final class Recorder: Sendable {
    private let events = Mutex<[String]>([])

    func record(_ event: String) {
        events.withLock { $0.append(event) }
    }

    var all: [String] {
        events.withLock { $0 }
    }

    func count(_ event: String) -> Int {
        events.withLock { $0.filter { $0 == event }.count }
    }

    func contains(_ event: String) -> Bool {
        count(event) > 0
    }
}
