import AMQPModel
import Transport

/// A client connection that consumes from queues, AMQP or MQTT: it is the `QueueConsumer` of its consumers, and
/// this extension moves the queue's notifications, which arrive on any thread, to the connection's loop. Only the
/// empty → non-empty transition of a consumer's pending list gets here, so the hop is paid once per batch, not per
/// message; it goes through `EventLoop.handOff`, which runs it on the notifying thread when the consumer's loop is
/// parked instead of waking that loop.
///
/// The connection is the `LoopTask` of its own per-turn work too (the end-of-turn drain, the window release after
/// the flush), so none of it allocates: no object per consumer, per connection or per message is needed for this.
public protocol LoopConsumer: QueueConsumer, LoopTask {
    /// The loop the connection lives on (immutable: read from any thread).
    var eventLoop: EventLoop { get }
    /// The connection's name as the management plane shows it (`peer:port -> local:port`), from immutable data:
    /// read from any thread.
    var connectionName: String { get }
    /// Messages wait for `handle`: take them (`Queue.takePending`), batched to the end of the loop turn
    /// (`eventLoop.runAtEndOfTurn(self)`). Runs on the connection's loop.
    func pendingAvailable(for handle: ConsumerHandle)
    /// The end of the loop turn the connection asked for with `eventLoop.runAtEndOfTurn(self)`: write what its
    /// consumers took.
    func endOfTurn()
    /// The turn's flush is done (`eventLoop.execute(self)` from the connection's loop): give the consumers their
    /// write window back.
    func afterFlush()
    /// The queue under `handle` was deleted (AMQP: basic.cancel to the client; MQTT: the session ends). Runs on
    /// the connection's loop.
    func queueDeleted(under handle: ConsumerHandle)
}

extension LoopConsumer {
    public func pendingAvailable(_ handle: ConsumerHandle) {
        eventLoop.handOff(self, handle)
    }

    public func queueDeleted(_ handle: ConsumerHandle) {
        eventLoop.execute { [weak self] in self?.queueDeleted(under: handle) }
    }

    public func runLoopTask(_ event: LoopTaskEvent) {
        switch event {
        // Only `pendingAvailable(_:)` hands work to a consumer, always with a handle.
        case .handedOff(let handle): pendingAvailable(for: unsafeDowncast(handle, to: ConsumerHandle.self))
        case .endOfTurn: endOfTurn()
        case .executed: afterFlush()
        }
    }
}
