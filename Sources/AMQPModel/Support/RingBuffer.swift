/// A growable FIFO ring buffer: O(1) append, removal at both ends, indexed access from the front.
///
/// Queues keep their ready messages here; the standard library has no deque.
public struct RingBuffer<Element>: Sendable where Element: Sendable {
    @usableFromInline var storage: [Element?]
    @usableFromInline var head = 0
    /// Number of elements.
    public private(set) var count = 0

    /// An empty buffer.
    public init() { storage = [] }

    /// True when empty.
    @inlinable public var isEmpty: Bool { count == 0 }

    /// The oldest element.
    @inlinable public var first: Element? { count == 0 ? nil : storage[head] }

    /// The newest element.
    public var last: Element? { count == 0 ? nil : storage[(head + count - 1) % storage.count] }

    /// The element `i` places from the front.
    @inlinable public subscript(i: Int) -> Element {
        get { storage[(head + i) % storage.count]! }
        set { storage[(head + i) % storage.count] = newValue }
    }

    /// Adds at the back.
    public mutating func append(_ e: Element) {
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = e
        count += 1
    }

    /// Adds at the front.
    public mutating func prepend(_ e: Element) {
        if count == storage.count { grow() }
        head = (head - 1 + storage.count) % storage.count
        storage[head] = e
        count += 1
    }

    /// Removes and returns the oldest element.
    @discardableResult public mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let e = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        if count == 0 { head = 0 }
        return e
    }

    /// Removes and returns the newest element.
    @discardableResult public mutating func popLast() -> Element? {
        guard count > 0 else { return nil }
        let i = (head + count - 1) % storage.count
        let e = storage[i]
        storage[i] = nil
        count -= 1
        return e
    }

    /// Removes every element, keeping the allocation.
    public mutating func removeAll() {
        for i in 0..<count { storage[(head + i) % storage.count] = nil }
        head = 0
        count = 0
    }

    private mutating func grow() {
        let newCapacity = Swift.max(16, storage.count * 2)
        var s = [Element?](repeating: nil, count: newCapacity)
        for i in 0..<count { s[i] = storage[(head + i) % storage.count] }
        storage = s
        head = 0
    }
}
