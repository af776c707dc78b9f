extension MQTTPacket.Subscribe.Subscription {
    /// Whether retained messages are sent when the subscription is made: bits 4 and 5 of the MQTT 5 subscription
    /// options (MQTT 5.0 §3.8.3.1). The value 3 is a protocol error.
    public enum RetainHandling: UInt8, Sendable, Equatable, Hashable {
        /// 0: send the retained messages matching the filter at the time of the subscribe [MQTT-3.3.1-9] (what MQTT
        /// 3.x always does).
        case sendOnSubscribe = 0
        /// 1: send them only if the subscription did not exist before [MQTT-3.3.1-10].
        case sendOnNewSubscription = 1
        /// 2: do not send retained messages at the time of the subscribe [MQTT-3.3.1-11].
        case doNotSend = 2
    }
}
