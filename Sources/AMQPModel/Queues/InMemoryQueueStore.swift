import Storage

/// Ready messages of a transient queue, in a ring buffer in memory.
public final class InMemoryQueueStore: QueueStore {
    private var entries = RingBuffer<QueueEntry>()
    public private(set) var byteCount = 0

    /// An empty store.
    public init() {}

    public var count: Int { entries.count }

    public var first: QueueEntry? { entries.first }

    public func append(_ entry: QueueEntry) {
        entries.append(entry)
        byteCount += entry.message.bodySize
    }

    public func removeFirst() -> QueueEntry? {
        guard let e = entries.popFirst() else { return nil }
        byteCount -= e.message.bodySize
        return e
    }

    public func returnToFront(_ returned: [QueueEntry]) {
        guard !returned.isEmpty else { return }
        var merged = returned.sorted { $0.sequence < $1.sequence }
        // Entries returned earlier may sit at the front with lower sequences than some of these (a nack of
        // 600-604 then of 605-609): take them out and merge, so publish order holds whatever the order of returns.
        let highest = merged[merged.count - 1].sequence
        var earlier: [QueueEntry] = []
        while let head = entries.first, head.sequence < highest {
            earlier.append(entries.popFirst()!)
            byteCount -= head.message.bodySize
        }
        if !earlier.isEmpty {
            merged.append(contentsOf: earlier)
            merged.sort { $0.sequence < $1.sequence }
        }
        for e in merged.reversed() {
            entries.prepend(e)
            byteCount += e.message.bodySize
        }
    }

    public func removeAll() -> Int {
        let n = entries.count
        entries.removeAll()
        byteCount = 0
        return n
    }

    public func peek(limit: Int) -> [QueueEntry] {
        (0..<Swift.min(limit, entries.count)).map { entries[$0] }
    }

    public var keepsRecords: Bool { false }

    public func persist(_ entry: QueueEntry) throws(StorageError) -> QueueEntry { entry }

    public func settle(_ entry: QueueEntry) {}

    public func destroy() {}

    public func prepareSync() throws(StorageError) -> SegmentSyncBatch? { nil }
}
