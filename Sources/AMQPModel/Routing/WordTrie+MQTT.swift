import AMQPValues

extension WordTrie {
    /// Adds every destination whose MQTT topic filter matches the topic `key` (MQTT 3.1.1 §4.7,
    /// MQTT 5.0 §4.7): levels split at `/`, empty levels are levels, `+` matches exactly one level,
    /// `#` matches the rest of the topic including its parent (`a/#` matches `a`) [MQTT-4.7.1-2],
    /// and a topic starting with `$` is not matched by a filter starting with `+` or `#` [MQTT-4.7.2-1].
    ///
    /// A depth-first walk over (node, next level) states on the reusable stack in `targets`; a `#`
    /// child is a leaf whose entries match wherever its parent is reached.
    func matchMQTT(_ key: ByteString, into targets: inout RouteTargets<Destination>) {
        key.bytes.withUnsafeBufferPointer { keyBytes in
            let levelCount = Int32(tokenize(keyBytes, into: &targets))
            let dollar = keyBytes.first == UInt8(ascii: "$")
            targets.stack.removeAll(keepingCapacity: true)
            targets.stack.append((node: 0, word: 0))
            nodes.withUnsafeBufferPointer { nodes in
                while let (node, level) = targets.stack.popLast() {
                    let n = Int(node)
                    let wildcardsAllowed = !(dollar && node == 0)
                    if wildcardsAllowed, nodes[n].multi >= 0 {
                        for e in nodes[Int(nodes[n].multi)].entries { targets.insert(e.destination, qos: e.qos) }
                    }
                    if level == levelCount {
                        for e in nodes[n].entries { targets.insert(e.destination, qos: e.qos) }
                        continue
                    }
                    if wildcardsAllowed, nodes[n].single >= 0 {
                        targets.stack.append((node: nodes[n].single, word: level + 1))
                    }
                    if !nodes[n].literals.isEmpty {
                        let l = Int(level)
                        let bytes = UnsafeBufferPointer(rebasing: keyBytes[targets.wordStarts[l]..<targets.wordEnds[l]])
                        let c = literalChild(in: nodes, of: node, word: bytes, hash: targets.wordHashes[l])
                        if c >= 0 { targets.stack.append((node: c, word: level + 1)) }
                    }
                }
            }
        }
    }
}
