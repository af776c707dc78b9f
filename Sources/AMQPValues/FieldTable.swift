/// An AMQP field table: an ordered list of key/value pairs.
///
/// Order is kept so a table re-encodes byte for byte as it arrived. Lookups are linear, which is
/// faster than hashing for the handful of entries real tables carry.
public struct FieldTable: Hashable, Sendable, ExpressibleByDictionaryLiteral {
    /// The entries in wire order.
    public var entries: [(key: ByteString, value: FieldValue)]

    /// An empty table.
    public init() { entries = [] }

    /// A table with the given entries in order.
    public init(_ entries: [(key: ByteString, value: FieldValue)]) { self.entries = entries }

    public init(dictionaryLiteral elements: (ByteString, FieldValue)...) {
        entries = elements.map { (key: $0.0, value: $0.1) }
    }

    /// True when the table has no entries.
    @inlinable public var isEmpty: Bool { entries.isEmpty }

    /// Number of entries.
    @inlinable public var count: Int { entries.count }

    /// The value of the first entry named `key`; setting replaces it or appends, setting nil removes it.
    public subscript(key: ByteString) -> FieldValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key: key, value: newValue))
            }
        }
    }

    public static func == (lhs: FieldTable, rhs: FieldTable) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for e in entries {
            hasher.combine(e.key)
            hasher.combine(e.value)
        }
    }
}
