import AMQPValues

@testable import AMQPModel

/// A subscription with its own consumer object.
struct TestSubscription {
    let handle: ConsumerHandle
    let consumer: RecordingConsumer

    init(_ queue: Queue, tag: ByteString, prefetch: Int = 0, noAck: Bool = false, exclusive: Bool = false) {
        consumer = RecordingConsumer()
        handle = ConsumerHandle(
            tag: tag, queue: queue, noAck: noAck, exclusive: exclusive, prefetch: prefetch,
            channelCredit: nil, channelID: 1, consumer: consumer)
    }

    /// Drains the pending list as a channel would, returning the entries.
    func take() -> [QueueEntry] {
        var batch: [QueueEntry] = []
        handle.queue.takePending(for: handle, into: &batch)
        // A channel releases the write window once the deliveries are written.
        handle.releaseWindow(batch.count)
        return batch
    }

    /// Bodies of the drained pending list.
    func takeBodies() -> [String] { take().map(\.message.bodyString) }
}
