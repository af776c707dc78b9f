import AMQPValues

/// One subscription of a consumer to a queue, as the queue sees it.
public final class ConsumerHandle: Sendable {
    /// The consumer tag (unique per channel).
    public let tag: ByteString
    /// True when deliveries need no acknowledgement (they are settled when assigned).
    public let noAck: Bool
    /// True for an exclusive consumer (no other consumer may subscribe).
    public let exclusive: Bool
    /// The consumer's own prefetch credit.
    public let credit: PrefetchCredit
    /// A credit shared by every consumer of the channel (basic.qos global), if any.
    public let channelCredit: PrefetchCredit?
    /// Messages assigned but not yet written out by the consumer's connection. Bounds what a consumer
    /// whose socket is slow (or that uses no-ack) can pull out of the queue: the rest stays ready in it.
    public let window: PrefetchCredit
    /// Where pending messages are announced. Weak so a dead channel is never kept alive by a queue.
    public nonisolated(unsafe) weak var consumer: (any QueueConsumer)?
    /// The queue this handle subscribes to.
    public let queue: Queue
    /// Opaque owner data for the frontend (e.g. the channel number).
    public let channelID: UInt16

    /// Creates a subscription record; register it with `Queue.addConsumer`.
    public init(
        tag: ByteString, queue: Queue, noAck: Bool, exclusive: Bool, credit: PrefetchCredit,
        channelCredit: PrefetchCredit?, window: Int = 16384, channelID: UInt16, consumer: any QueueConsumer
    ) {
        self.window = PrefetchCredit(limit: window)
        self.tag = tag
        self.queue = queue
        self.noAck = noAck
        self.exclusive = exclusive
        self.credit = credit
        self.channelCredit = channelCredit
        self.channelID = channelID
        self.consumer = consumer
    }

    /// Takes one unit of credit (own and channel-wide), or none.
    func tryAcquireCredit() -> Bool {
        guard window.tryAcquire() else { return false }
        if noAck { return true }
        guard credit.tryAcquire() else {
            window.release()
            return false
        }
        if let channelCredit, !channelCredit.tryAcquire() {
            credit.release()
            window.release()
            return false
        }
        return true
    }

    /// Returns `count` units of prefetch credit (own and channel-wide): messages were settled.
    public func releaseCredit(_ count: Int = 1) {
        if noAck { return }
        credit.release(count)
        channelCredit?.release(count)
    }
}
