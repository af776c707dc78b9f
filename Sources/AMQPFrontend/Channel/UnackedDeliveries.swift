import AMQPModel

/// Deliveries of one channel awaiting ack, nack or reject, in delivery-tag order.
///
/// Tags only grow, so the list stays sorted: settling from the front is O(1), a single tag in the
/// middle is found by binary search and marked, and settled entries are dropped from the front lazily.
struct UnackedDeliveries {
    struct Delivery {
        /// Where a delivery came from. One reference either way (a consumer knows its queue), which halves the
        /// reference counting per delivery compared with storing both.
        enum Source {
            case consumer(ConsumerHandle)
            case get(Queue)
        }

        let tag: UInt64
        let source: Source
        let entry: QueueEntry
        var settled = false

        /// The queue it was taken from.
        var queue: Queue {
            switch source {
            case .consumer(let h): h.queue
            case .get(let q): q
            }
        }

        /// The consumer it was delivered to, or nil for basic.get.
        var handle: ConsumerHandle? {
            if case .consumer(let h) = source { return h }
            return nil
        }
    }

    private var items: [Delivery] = []
    private var head = 0
    /// Deliveries not yet settled.
    private(set) var count = 0

    mutating func append(tag: UInt64, source: Delivery.Source, entry: QueueEntry) {
        items.append(Delivery(tag: tag, source: source, entry: entry))
        count += 1
    }

    /// Removes the delivery `tag` (and with `multiple` every earlier one; tag 0 with `multiple` means all).
    /// Returns nil when `tag` is not an unsettled delivery of this channel.
    mutating func take(tag: UInt64, multiple: Bool) -> [Delivery]? {
        if multiple && tag == 0 { return takeAll() }
        guard let i = index(of: tag), !items[i].settled else { return nil }
        var taken: [Delivery] = []
        if multiple {
            for j in head...i where !items[j].settled {
                items[j].settled = true
                taken.append(items[j])
            }
        } else {
            items[i].settled = true
            taken.append(items[i])
        }
        count -= taken.count
        compact()
        return taken
    }

    /// Settles the delivery `tag` (and with `multiple` every earlier one; tag 0 with `multiple` means all) in
    /// place, passing each to `body` in tag order. Returns false, settling nothing, when `tag` is unknown.
    mutating func settle(tag: UInt64, multiple: Bool, _ body: (borrowing Delivery) -> Void) -> Bool {
        let last: Int
        if multiple && tag == 0 {
            last = items.count - 1
        } else {
            guard let i = index(of: tag), !items[i].settled else { return false }
            last = i
        }
        if multiple {
            var j = head
            while j <= last {
                if !items[j].settled {
                    items[j].settled = true
                    body(items[j])
                    count -= 1
                }
                j += 1
            }
        } else {
            items[last].settled = true
            body(items[last])
            count -= 1
        }
        compact()
        return true
    }

    /// Removes every unsettled delivery, in tag order.
    mutating func takeAll() -> [Delivery] {
        let taken = items[head...].filter { !$0.settled }
        items.removeAll()
        head = 0
        count = 0
        return taken
    }

    /// Puts deliveries taken earlier back as unsettled (tx.rollback undoes the transaction's acks).
    mutating func restore(_ deliveries: [Delivery]) {
        guard !deliveries.isEmpty else { return }
        var merged = items[head...].filter { !$0.settled }
        merged.append(
            contentsOf: deliveries.map {
                var d = $0; d.settled = false; return d
            })
        merged.sort { $0.tag < $1.tag }
        items = merged
        head = 0
        count = merged.count
    }

    private func index(of tag: UInt64) -> Int? {
        var lo = head
        var hi = items.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if items[mid].tag == tag { return mid }
            if items[mid].tag < tag { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    private mutating func compact() {
        while head < items.count && items[head].settled { head += 1 }
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head > items.count / 2 {
            items.removeSubrange(0..<head)
            head = 0
        }
    }
}
