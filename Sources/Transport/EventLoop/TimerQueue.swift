/// The timers of one event loop: a binary min-heap ordered by (deadline, id) plus the bodies by id.
///
/// Cancelling removes only the body; its heap entry is discarded lazily when it reaches the top.
/// Equal deadlines fire in scheduling order because ids increase.
struct TimerQueue {
    private struct Entry {
        var deadline: UInt64
        var id: UInt64

        static func < (a: Entry, b: Entry) -> Bool {
            a.deadline != b.deadline ? a.deadline < b.deadline : a.id < b.id
        }
    }

    private var heap: [Entry] = []
    private var bodies: [UInt64: () -> Void] = [:]
    private var nextID: UInt64 = 1

    /// Number of timers that are scheduled and not cancelled.
    var count: Int { bodies.count }

    mutating func schedule(deadline: UInt64, _ body: @escaping () -> Void) -> TimerID {
        let id = nextID
        nextID += 1
        bodies[id] = body
        heap.append(Entry(deadline: deadline, id: id))
        siftUp(heap.count - 1)
        return TimerID(rawValue: id)
    }

    mutating func cancel(_ id: TimerID) {
        bodies.removeValue(forKey: id.rawValue)
    }

    /// Deadline of the earliest live timer, dropping cancelled entries from the top.
    mutating func earliestDeadline() -> UInt64? {
        while let top = heap.first {
            if bodies[top.id] != nil { return top.deadline }
            popTop()
        }
        return nil
    }

    /// Removes and returns the body of the earliest live timer if it is due at `now`.
    mutating func popDue(now: UInt64) -> (() -> Void)? {
        while let top = heap.first, top.deadline <= now {
            popTop()
            if let body = bodies.removeValue(forKey: top.id) { return body }
        }
        return nil
    }

    mutating func removeAll() {
        heap.removeAll()
        bodies.removeAll()
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1] < heap[left] { smallest = left + 1 }
            guard heap[smallest] < heap[parent] else { return }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
