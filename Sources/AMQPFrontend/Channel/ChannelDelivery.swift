import AMQPModel

/// A message delivered on a channel (basic.deliver or basic.get-ok) and not yet settled by the client.
struct ChannelDelivery: TaggedDelivery {
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
