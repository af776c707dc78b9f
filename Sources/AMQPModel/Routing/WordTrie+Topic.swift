import AMQPValues

extension WordTrie {
    /// Adds every destination whose AMQP topic pattern matches `key`, with RabbitMQ's semantics
    /// (`rabbit_exchange_type_topic`): words are split at `.`, empty words are words, the empty key has
    /// no words, `*` matches exactly one word and `#` zero or more.
    ///
    /// A depth-first walk over (node, next word) states kept on the reusable stack in `targets`.
    /// Entering a `#` node consumes no word; a `#` node then loops on itself consuming one word at a
    /// time. Destinations reached along several paths are deduplicated by `targets`; when the trie has
    /// nested `#` nodes, states at `#` nodes are visited once each (see `nestedMultiCount`).
    func matchTopic(_ key: ByteString, into targets: inout RouteTargets<Destination>) {
        key.bytes.withUnsafeBufferPointer { keyBytes in
            let wordCount = Int32(tokenize(keyBytes, into: &targets))
            let dedupe = nestedMultiCount > 0
            if dedupe { targets.visited.removeAll(keepingCapacity: true) }
            targets.stack.removeAll(keepingCapacity: true)
            targets.stack.append((node: 0, word: 0))
            nodes.withUnsafeBufferPointer { nodes in
                while let (node, word) = targets.stack.popLast() {
                    let n = Int(node)
                    if dedupe && nodes[n].kind == .multi && !targets.visited.insert(Int(node) << 32 | Int(word)).inserted {
                        continue
                    }
                    if nodes[n].kind == .multi && word < wordCount {
                        targets.stack.append((node: node, word: word + 1))
                    }
                    if word == wordCount {
                        for e in nodes[n].entries { targets.insert(e.destination, qos: e.qos) }
                        if nodes[n].multi >= 0 { targets.stack.append((node: nodes[n].multi, word: word)) }
                        continue
                    }
                    if nodes[n].multi >= 0 { targets.stack.append((node: nodes[n].multi, word: word)) }
                    if nodes[n].single >= 0 { targets.stack.append((node: nodes[n].single, word: word + 1)) }
                    if !nodes[n].literals.isEmpty {
                        let w = Int(word)
                        let bytes = UnsafeBufferPointer(rebasing: keyBytes[targets.wordStarts[w]..<targets.wordEnds[w]])
                        let c = literalChild(in: nodes, of: node, word: bytes, hash: targets.wordHashes[w])
                        if c >= 0 { targets.stack.append((node: c, word: word + 1)) }
                    }
                }
            }
        }
    }
}
