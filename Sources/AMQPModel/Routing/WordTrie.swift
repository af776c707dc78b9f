import AMQPValues

/// A trie over the words of binding keys, shared by the `topic` and `mqtt` exchange types.
///
/// A binding key is split at the separator (`.` for AMQP topics, `/` for MQTT) into words; each word is
/// an edge, either a literal or one of the two wildcards (one word: `*` / `+`; any number: `#`).
/// A node holds one entry per binding ending there, so two bindings of one destination with different
/// arguments are two entries and removing one leaves the other.
///
/// Nodes live in one array and refer to each other by index, so the trie is a plain value (cheap to
/// copy-on-write under the owner's lock) and the matcher walks it without reference counting.
/// Literal children are found through a dictionary keyed by the hash of the word's bytes (Swift's
/// seeded `Hasher`, so crafted keys cannot force collisions), with equal-hash siblings chained; a lookup
/// hashes a slice of the routing key and allocates nothing. The matchers are in `WordTrie+Topic.swift`
/// and `WordTrie+MQTT.swift`.
struct WordTrie<Destination: Hashable & Sendable>: Sendable {
    /// Which wildcard syntax the keys use.
    enum Flavor: Sendable {
        /// AMQP topic: `.` separator; the empty key has no words (RabbitMQ `split_topic_key`).
        case topic
        /// MQTT: `/` separator; the empty key is one empty level; `#` is a wildcard only as the last level.
        case mqtt
    }

    /// What the edge into a node matches.
    enum EdgeKind: Sendable {
        case literal
        /// `*` (topic) or `+` (mqtt): exactly one word.
        case single
        /// `#`: zero or more words (topic); the rest of the topic including the parent (mqtt).
        case multi
    }

    struct Node: Sendable {
        /// The word on the edge from the parent (empty for wildcards and the root).
        var word: [UInt8]
        var wordHash: Int
        var kind: EdgeKind
        var parent: Int32
        /// Literal children: word hash to the first child with that hash.
        var literals: [Int: Int32] = [:]
        /// Next literal sibling with the same word hash, or -1.
        var nextSameHash: Int32 = -1
        var single: Int32 = -1
        var multi: Int32 = -1
        /// One per binding ending at this node.
        var entries: [(destination: Destination, qos: UInt8)] = []
        /// A `#` node with another `#` above it (see `nestedMultiCount`).
        var isNestedMulti = false

        var isUnused: Bool { entries.isEmpty && literals.isEmpty && single < 0 && multi < 0 }
    }

    let flavor: Flavor
    /// `nodes[0]` is the root; unused slots are listed in `freeSlots`.
    private(set) var nodes: [Node]
    private var freeSlots: [Int32] = []
    /// Number of `#` nodes below another `#` node. With two or more `#` on one path a topic matcher could
    /// reach the same (`#` node, word) state along combinatorially many paths (`#.a.#.a.#.a` against
    /// `a.a.a.…`); while this is non-zero the matcher remembers visited states, bounding its work by
    /// nodes × words.
    private(set) var nestedMultiCount = 0

    init(flavor: Flavor) {
        self.flavor = flavor
        nodes = [Node(word: [], wordHash: 0, kind: .literal, parent: -1)]
    }

    var separator: UInt8 { flavor == .topic ? UInt8(ascii: ".") : UInt8(ascii: "/") }

    /// The hash under which a literal word is filed; the same function serves insertion and lookup.
    @inline(__always)
    static func hashWord(_ word: UnsafeBufferPointer<UInt8>) -> Int {
        var h = Hasher()
        h.combine(bytes: UnsafeRawBufferPointer(word))
        return h.finalize()
    }

    /// Adds a binding entry for `key`.
    mutating func insert(key: ByteString, destination: Destination, qos: UInt8) {
        var node: Int32 = 0
        var belowMulti = false
        for (word, kind) in edges(of: key) {
            if let existing = child(of: node, word: word, kind: kind) {
                node = existing
            } else {
                node = addChild(to: node, word: word, kind: kind)
                if kind == .multi && belowMulti {
                    nodes[Int(node)].isNestedMulti = true
                    nestedMultiCount += 1
                }
            }
            if kind == .multi { belowMulti = true }
        }
        nodes[Int(node)].entries.append((destination: destination, qos: qos))
    }

    /// Removes one entry for `key` with this destination and qos; prunes nodes left unused.
    @discardableResult
    mutating func remove(key: ByteString, destination: Destination, qos: UInt8) -> Bool {
        var node: Int32 = 0
        for (word, kind) in edges(of: key) {
            guard let c = child(of: node, word: word, kind: kind) else { return false }
            node = c
        }
        guard let i = nodes[Int(node)].entries.firstIndex(where: { $0.destination == destination && $0.qos == qos })
        else { return false }
        nodes[Int(node)].entries.remove(at: i)
        prune(from: node)
        return true
    }

    /// The edges a binding key walks, with the wildcard rules of the flavor applied.
    ///
    /// For topics, consecutive `#` words collapse into one: `#.#` matches exactly what `#` matches, and
    /// collapsing keeps keys like `#.#.#` from multiplying the matcher's work.
    private func edges(of key: ByteString) -> [([UInt8], EdgeKind)] {
        let sep = separator
        var words: [ArraySlice<UInt8>] = []
        if !(key.isEmpty && flavor == .topic) {
            words = key.bytes.split(separator: sep, omittingEmptySubsequences: false)
        }
        var result: [([UInt8], EdgeKind)] = []
        result.reserveCapacity(words.count)
        for (i, w) in words.enumerated() {
            let kind: EdgeKind
            switch flavor {
            case .topic:
                kind = w.elementsEqual([UInt8(ascii: "*")]) ? .single : w.elementsEqual([UInt8(ascii: "#")]) ? .multi : .literal
                if kind == .multi, result.last?.1 == .multi { continue }
            case .mqtt:
                if w.elementsEqual([UInt8(ascii: "+")]) {
                    kind = .single
                } else if w.elementsEqual([UInt8(ascii: "#")]) && i == words.count - 1 {
                    kind = .multi
                } else {
                    kind = .literal
                }
            }
            result.append((kind == .literal ? Array(w) : [], kind))
        }
        return result
    }

    private func child(of node: Int32, word: [UInt8], kind: EdgeKind) -> Int32? {
        let n = nodes[Int(node)]
        switch kind {
        case .single: return n.single >= 0 ? n.single : nil
        case .multi: return n.multi >= 0 ? n.multi : nil
        case .literal:
            let c = word.withUnsafeBufferPointer { w in
                nodes.withUnsafeBufferPointer { literalChild(in: $0, of: node, word: w, hash: Self.hashWord(w)) }
            }
            return c >= 0 ? c : nil
        }
    }

    /// The literal child of `node` for `word` (whose hash is `hash`), or -1.
    @inline(__always)
    func literalChild(
        in nodes: UnsafeBufferPointer<Node>, of node: Int32, word: UnsafeBufferPointer<UInt8>, hash: Int
    ) -> Int32 {
        guard var c = nodes[Int(node)].literals[hash] else { return -1 }
        while c >= 0 {
            if nodes[Int(c)].word.withUnsafeBufferPointer({ $0.elementsEqual(word) }) { return c }
            c = nodes[Int(c)].nextSameHash
        }
        return -1
    }

    private mutating func addChild(to parent: Int32, word: [UInt8], kind: EdgeKind) -> Int32 {
        let hash = kind == .literal ? word.withUnsafeBufferPointer { Self.hashWord($0) } : 0
        let node = Node(word: word, wordHash: hash, kind: kind, parent: parent)
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            nodes[Int(slot)] = node
        } else {
            slot = Int32(nodes.count)
            nodes.append(node)
        }
        switch kind {
        case .single: nodes[Int(parent)].single = slot
        case .multi: nodes[Int(parent)].multi = slot
        case .literal:
            nodes[Int(slot)].nextSameHash = nodes[Int(parent)].literals[hash] ?? -1
            nodes[Int(parent)].literals[hash] = slot
        }
        return slot
    }

    /// Unlinks `node` and its ancestors while they carry no entries and no children.
    private mutating func prune(from start: Int32) {
        var node = start
        while node != 0 && nodes[Int(node)].isUnused {
            let n = nodes[Int(node)]
            let parent = n.parent
            switch n.kind {
            case .single: nodes[Int(parent)].single = -1
            case .multi: nodes[Int(parent)].multi = -1
            case .literal:
                let first = nodes[Int(parent)].literals[n.wordHash] ?? -1
                if first == node {
                    nodes[Int(parent)].literals[n.wordHash] = n.nextSameHash >= 0 ? n.nextSameHash : nil
                } else {
                    var prev = first
                    while prev >= 0 && nodes[Int(prev)].nextSameHash != node { prev = nodes[Int(prev)].nextSameHash }
                    if prev >= 0 { nodes[Int(prev)].nextSameHash = n.nextSameHash }
                }
            }
            if n.isNestedMulti { nestedMultiCount -= 1 }
            nodes[Int(node)] = Node(word: [], wordHash: 0, kind: .literal, parent: -1)
            freeSlots.append(node)
            node = parent
        }
    }

    /// Splits `key` into words, filling the boundary and hash scratch arrays of `targets`.
    ///
    /// Returns the number of words. The empty key has no words for topics and one empty level for MQTT.
    @inline(__always)
    func tokenize(_ key: UnsafeBufferPointer<UInt8>, into targets: inout RouteTargets<Destination>) -> Int {
        targets.wordStarts.removeAll(keepingCapacity: true)
        targets.wordEnds.removeAll(keepingCapacity: true)
        targets.wordHashes.removeAll(keepingCapacity: true)
        if key.isEmpty && flavor == .topic { return 0 }
        let sep = separator
        var start = 0
        var i = 0
        while i < key.count {
            if key[i] == sep {
                targets.wordStarts.append(start)
                targets.wordEnds.append(i)
                start = i + 1
            }
            i += 1
        }
        targets.wordStarts.append(start)
        targets.wordEnds.append(key.count)
        for w in targets.wordStarts.indices {
            let word = UnsafeBufferPointer(rebasing: key[targets.wordStarts[w]..<targets.wordEnds[w]])
            targets.wordHashes.append(Self.hashWord(word))
        }
        return targets.wordStarts.count
    }
}
