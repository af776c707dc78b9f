import AMQPValues
import MQTTCodec

/// A shared subscription `$share/{group}/{filter}` (MQTT 5 §4.8.2; MQTT 3.1.1 clients may use it too): the group's
/// sessions share one queue, `mqtt.$share/{group}/{filter}` (the subscription string behind the `mqtt.` prefix),
/// bound to `mqtt.default` with the filter, and each message goes to one of the group's connected sessions, round
/// robin.
struct MQTTSharedSubscription: Equatable {
    /// The subscription as the client wrote it, `$share/{group}/{filter}`.
    let raw: ByteString
    /// The topic filter after the group.
    let filter: ByteString

    private static let queuePrefix = Array("mqtt.".utf8)

    /// How a SUBSCRIBE or UNSUBSCRIBE filter reads.
    enum Parsed: Equatable {
        /// An ordinary topic filter.
        case ordinary
        case shared(MQTTSharedSubscription)
        /// `$share/...` that breaks the rules: why.
        case invalid(String)
    }

    /// Reads `raw`: the share name must be non-empty without `/`, `+` or `#` [MQTT-4.8.2-1, MQTT-4.8.2-2], and a
    /// valid topic filter must follow it.
    static func parse(_ raw: ByteString) -> Parsed {
        guard MQTTTopic.isSharedFilter(raw) else { return .ordinary }
        guard let (_, filter) = MQTTTopic.splitSharedFilter(raw) else {
            return .invalid("[MQTT-4.8.2-1, MQTT-4.8.2-2] '\(raw)' is no shared subscription: that takes a non-empty "
                + "share name without '+' or '#', then '/' and a valid topic filter")
        }
        return .shared(MQTTSharedSubscription(raw: raw, filter: filter))
    }

    /// The group's queue: `mqtt.$share/{group}/{filter}` (at most 255 bytes: longer subscriptions are refused).
    var queueName: ByteString { ByteString(Self.queuePrefix + raw.bytes) }

    /// True when the queue name fits an AMQP short string.
    var fitsQueueName: Bool { Self.queuePrefix.count + raw.count <= 255 }

    /// True when `clientId` would make a session queue name that a shared subscription's queue can have.
    static func isReserved(clientId: ByteString) -> Bool { MQTTTopic.isSharedFilter(clientId) }
}
