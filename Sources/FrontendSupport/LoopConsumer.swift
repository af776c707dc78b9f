import AMQPModel
import Transport

/// A client connection that consumes from queues, AMQP or MQTT: it is the `QueueConsumer` of its consumers, and
/// this extension moves the queue's notifications, which arrive on any thread, to the connection's loop. Only the
/// empty → non-empty transition of a consumer's pending list gets here, so the hop is paid once per batch, not per
/// message; it goes through `EventLoop.handOff`, which runs it on the notifying thread when the consumer's loop is
/// parked instead of waking that loop. No object per consumer or per connection is needed for this.
public protocol LoopConsumer: QueueConsumer {
    /// The loop the connection lives on (immutable: read from any thread).
    var eventLoop: EventLoop { get }
    /// The connection's name as the management plane shows it (`peer:port -> local:port`), from immutable data:
    /// read from any thread.
    var connectionName: String { get }
    /// Messages wait for `handle`: take them (`Queue.takePending`), batched to the end of the loop turn. Runs on
    /// the connection's loop.
    func pendingAvailable(for handle: ConsumerHandle)
    /// The queue under `handle` was deleted (AMQP: basic.cancel to the client; MQTT: the session ends). Runs on
    /// the connection's loop.
    func queueDeleted(under handle: ConsumerHandle)
}

extension LoopConsumer {
    public func pendingAvailable(_ handle: ConsumerHandle) {
        eventLoop.handOff { [weak self] in self?.pendingAvailable(for: handle) }
    }

    public func queueDeleted(_ handle: ConsumerHandle) {
        eventLoop.execute { [weak self] in self?.queueDeleted(under: handle) }
    }
}
