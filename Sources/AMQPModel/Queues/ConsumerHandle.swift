import AMQPValues
import Synchronization

/// One subscription of a consumer to a queue, as the queue sees it.
///
/// Its own prefetch credit and its write window are counters held inline (atomics, since the queue takes credit on
/// its publisher's thread and the consumer's loop returns it): an idle subscription is one object.
public final class ConsumerHandle: Sendable {
    /// The consumer tag (unique per channel).
    public let tag: ByteString
    /// The queue this handle subscribes to.
    public let queue: Queue
    /// A credit shared by every consumer of the channel (basic.qos global), if any.
    public let channelCredit: PrefetchCredit?
    /// Where pending messages are announced. A strong reference, and a cycle while the consumer holds the handle:
    /// the queue drops the handle at `Queue.removeConsumer` and the consumer drops it when the subscription ends.
    /// Not weak, because one weak reference gives the consumer (a connection) a side table for good, and every
    /// retain and release of it then takes the runtime's slow path, a few times per message.
    public let consumer: any QueueConsumer
    /// Messages assigned and not yet settled (counted against `prefetch`).
    private let unsettled = Atomic<Int32>(0)
    /// Messages assigned and not yet flushed to the socket (counted against `windowLimit`).
    private let unwritten = Atomic<Int32>(0)
    /// Set by the queue when it kept a message back because no consumer had credit (see `creditReturned`).
    private let starved = Atomic<Bool>(false)
    /// The consumer's own prefetch limit (0: unlimited).
    private let prefetch: Int32
    /// Most messages assigned but not yet written out by the consumer's connection: bounds what a consumer whose
    /// socket is slow (or that uses no-ack) can pull out of the queue; the rest stays ready in it.
    private let windowLimit: Int32
    /// Opaque owner data for the frontend (e.g. the channel number).
    public let channelID: UInt16
    /// True when deliveries need no acknowledgement (they are settled when assigned).
    public let noAck: Bool
    /// True for an exclusive consumer (no other consumer may subscribe).
    public let exclusive: Bool

    /// The consumer's own prefetch limit (0: unlimited).
    public var prefetchLimit: Int { Int(prefetch) }

    /// Creates a subscription record with a prefetch of `prefetch` unsettled messages (0: unlimited); register it
    /// with `Queue.addConsumer`.
    public init(
        tag: ByteString, queue: Queue, noAck: Bool, exclusive: Bool, prefetch: Int,
        channelCredit: PrefetchCredit?, window: Int = 16384, channelID: UInt16, consumer: any QueueConsumer
    ) {
        self.tag = tag
        self.queue = queue
        self.noAck = noAck
        self.exclusive = exclusive
        self.prefetch = Int32(clamping: prefetch)
        self.windowLimit = Int32(clamping: window)
        self.channelCredit = channelCredit
        self.channelID = channelID
        self.consumer = consumer
    }

    /// Takes one unit of credit (window, own and channel-wide), or none.
    func tryAcquireCredit() -> Bool {
        guard Self.tryAcquire(unwritten, limit: windowLimit) else { return false }
        if noAck { return true }
        guard Self.tryAcquire(unsettled, limit: prefetch) else {
            releaseWindow()
            return false
        }
        if let channelCredit, !channelCredit.tryAcquire() {
            unsettled.subtract(1, ordering: .relaxed)
            releaseWindow()
            return false
        }
        return true
    }

    /// Returns `count` units of prefetch credit (own and channel-wide): messages were settled.
    public func releaseCredit(_ count: Int = 1) {
        if noAck { return }
        unsettled.subtract(Int32(truncatingIfNeeded: count), ordering: .relaxed)
        channelCredit?.release(count)
    }

    /// Returns `count` units of the write window: deliveries were flushed to the socket (or dropped with it).
    public func releaseWindow(_ count: Int = 1) {
        unwritten.subtract(Int32(truncatingIfNeeded: count), ordering: .relaxed)
    }

    /// The queue found no credit for a message: the next `creditReturned` offers it again.
    func markStarved() {
        starved.store(true, ordering: .sequentiallyConsistent)
    }

    /// Call after returning credit (`releaseWindow`, `releaseCredit`): asks the queue to hand out ready messages
    /// (`Queue.creditAvailable`) only if it kept one back for want of credit since the last call, so returning
    /// credit to a queue with nothing waiting takes no lock. The fence pairs with the one in the queue's second
    /// look for credit: either that look sees the credit returned here, or this sees the flag it set.
    public func creditReturned() {
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if starved.exchange(false, ordering: .sequentiallyConsistent) { queue.creditAvailable() }
    }

    private static func tryAcquire(_ counter: borrowing Atomic<Int32>, limit: Int32) -> Bool {
        if limit == 0 {
            counter.add(1, ordering: .relaxed)
            return true
        }
        var current = counter.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = counter.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }
}
