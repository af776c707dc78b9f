import AMQPValues
import Locks
@testable import AMQPModel

/// A `QueueConsumer` that records the queue's notifications; the test drains pending messages itself.
final class RecordingConsumer: QueueConsumer, @unchecked Sendable {
    private let state = Lock<(available: Int, deleted: [ByteString])>((0, []))

    func pendingAvailable(_ handle: ConsumerHandle) {
        state.withLock { $0.available += 1 }
    }

    func queueDeleted(_ handle: ConsumerHandle) {
        state.withLock { $0.deleted.append(handle.tag) }
    }

    /// How often a pending list went from empty to non-empty.
    var pendingAvailableCount: Int { state.withLock { $0.available } }
    /// Tags of the handles whose queue was deleted under them.
    var deletedTags: [ByteString] { state.withLock { $0.deleted } }
}
