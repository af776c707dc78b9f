/// The publish sequence numbers a publisher is still waiting for confirms on (RabbitMQ publisher confirms:
/// delivery tags count publishes from 1 after confirm.select; basic.ack/nack with multiple=true settle every
/// tag up to and including the given one).
///
/// A ring of flags indexed by tag keeps settling O(1) per message without allocating, whatever order the
/// broker confirms in. The ring is twice the window, and publishing also stops when the oldest unsettled
/// tag is a ring's length behind, so a tag is never mistaken for another.
struct ConfirmWindow {
    /// Maximum number of unsettled publishes.
    let limit: Int
    private var pending: [Bool]
    private let mask: UInt64
    /// The tag the next publish gets.
    private(set) var nextTag: UInt64 = 1
    /// No tag below this one is unsettled.
    private var oldest: UInt64 = 1
    /// Number of unsettled publishes.
    private(set) var outstanding = 0

    init(limit: Int) {
        self.limit = limit
        var size = 1
        while size < 2 * limit { size <<= 1 }
        pending = Array(repeating: false, count: size)
        mask = UInt64(size - 1)
    }

    /// How many more messages may be published now.
    var available: Int {
        min(limit - outstanding, pending.count - Int(nextTag - oldest))
    }

    /// Records `count` publishes.
    mutating func published(_ count: Int) {
        for _ in 0..<count {
            pending[Int(nextTag & mask)] = true
            nextTag += 1
        }
        outstanding += count
    }

    /// Settles `tag` (and every earlier one when `multiple`); returns how many publishes that settled.
    mutating func settle(_ tag: UInt64, multiple: Bool) -> Int {
        guard tag < nextTag else { return 0 }
        var settled = 0
        if multiple {
            var t = oldest
            while t <= tag {
                if pending[Int(t & mask)] {
                    pending[Int(t & mask)] = false
                    settled += 1
                }
                t += 1
            }
        } else if tag >= oldest, pending[Int(tag & mask)] {
            pending[Int(tag & mask)] = false
            settled = 1
        }
        while oldest < nextTag, !pending[Int(oldest & mask)] { oldest += 1 }
        outstanding -= settled
        return settled
    }
}
