import AMQPModel

/// What only some MQTT connections need, made on first use so that an ordinary connection carries one pointer for
/// it: the consumers of its shared subscriptions' queues, whether its output is framed for WebSocket, and what an
/// MQTT 5 client negotiated.
final class MQTTConnectionExtras {
    /// MQTT 5 only.
    var v5: MQTT5State?

    /// The connection runs over WebSocket: every write becomes a binary frame.
    var webSocket = false

    /// One shared subscription's consumer.
    struct SharedConsumer {
        let subscription: MQTTSharedSubscription
        let handle: ConsumerHandle
        /// Deliveries written whose window credit comes back once the socket took them.
        var pausedWindow: Int32 = 0
        /// False once unsubscribed: nothing more is delivered, but what is in flight is still settled here.
        var active = true
        /// MQTT 5: the subscription identifier and retain-as-published of this member's subscription.
        var options: MQTTSubscriptionOptions?
    }

    /// Slots of shared consumers; a delivery names its slot (`MQTTDelivery.source` - 1). A slot is emptied, not
    /// removed, on unsubscribe, so slots of messages in flight stay valid.
    var shared: [SharedConsumer?] = []
    /// Shared consumers with messages waiting, drained at the end of the loop turn.
    var drainList: [UInt16] = []

    /// The slot of the consumer of `subscription`, if subscribed.
    func slot(of subscription: MQTTSharedSubscription) -> Int? {
        shared.firstIndex { $0?.subscription.raw == subscription.raw }
    }

    /// The slot of `handle`, if it is one of the shared consumers.
    func slot(of handle: ConsumerHandle) -> Int? {
        shared.firstIndex { $0?.handle === handle }
    }

    /// The consumers still subscribed.
    var active: [SharedConsumer] { shared.compactMap { $0 }.filter(\.active) }
}
