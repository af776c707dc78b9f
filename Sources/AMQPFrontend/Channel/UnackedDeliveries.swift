/// A delivery a channel keeps until the client settles it, identified by its delivery tag.
protocol TaggedDelivery {
    /// The delivery tag (grows by one per delivery on a channel).
    var tag: UInt64 { get }
    /// Set once acked, nacked or rejected.
    var settled: Bool { get set }
}

/// Deliveries of one channel awaiting ack, nack or reject, in delivery-tag order: the settlement state machine
/// (basic.ack / basic.nack / basic.reject with `multiple`, tag 0 meaning all, tx rollback restoring).
///
/// Tags only grow, so the list stays sorted: settling from the front is O(1), a single tag in the
/// middle is found by binary search and marked, and settled entries are dropped from the front lazily.
struct UnackedDeliveries<Delivery: TaggedDelivery> {
    private var items: [Delivery] = []
    private var head = 0
    /// Deliveries not yet settled.
    private(set) var count = 0

    /// Adds a delivery; its tag must be above every tag added before.
    mutating func append(_ delivery: Delivery) {
        items.append(delivery)
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
