import AMQPModel

/// A client connection that consumes from queues, as seen by its `LoopConsumerSink`. Both requirements are called
/// on the connection's own loop.
public protocol LoopConsumer: AnyObject, Sendable {
    /// Messages wait for `handle`: take them (`Queue.takePending`), batched to the end of the loop turn.
    func pendingAvailable(for handle: ConsumerHandle)
    /// The queue under `handle` was deleted (AMQP: basic.cancel to the client; MQTT: the session ends).
    func queueDeleted(under handle: ConsumerHandle)
}
