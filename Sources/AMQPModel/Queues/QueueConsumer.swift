/// The receiving end of a queue subscription (an AMQP consumer, an MQTT session).
///
/// The queue never writes to a socket: it assigns messages to the consumer's pending list under its
/// lock and calls `pendingAvailable` so the consumer drains them on its own thread.
public protocol QueueConsumer: AnyObject, Sendable {
    /// The pending list of `handle` went from empty to non-empty. Called from any thread with no lock held;
    /// it must only schedule a drain (`Queue.takePending`) on the consumer's thread.
    func pendingAvailable(_ handle: ConsumerHandle)
    /// The queue was deleted while subscribed (AMQP consumer cancel notification). Called with no lock held.
    func queueDeleted(_ handle: ConsumerHandle)
}
