import MQTTCodec

/// What an MQTT 5 connection negotiated at CONNECT and keeps beside the 3.1.1 state (MQTT 5.0 §3.1.2.11, §3.2.2.3):
/// made only for v5 clients and reached through `MQTTConnectionExtras`, so a 3.1.1 connection carries none of it.
///
/// Only its connection's loop touches it, so the per-message state skips Swift's dynamic exclusivity checks.
final class MQTT5State {
    /// The session expiry interval in force, in seconds, after `[mqtt] max_session_expiry_interval` (0: the session
    /// ends with the connection; `UInt32.max`: never).
    var sessionExpiry: UInt32
    /// The client allows a reason string and user properties on packets other than PUBLISH, CONNACK and DISCONNECT
    /// [MQTT-3.1.2-29].
    let requestProblemInformation: Bool
    /// The largest packet the client accepts, fixed header included (`Int.max`: no limit) [MQTT-3.1.2-24].
    let clientMaximumPacketSize: Int
    /// The client's Receive Maximum: QoS 1 and 2 publications in flight to it at most [MQTT-3.3.4-9].
    let clientReceiveMaximum: UInt16
    @exclusivity(unchecked) var aliases: MQTTTopicAliases
    @exclusivity(unchecked) var subscriptions = MQTTSubscriptionTable()
    /// Messages not sent because they exceed the client's maximum packet size (for the log, once per connection).
    @exclusivity(unchecked) var oversizedDropped = 0
    /// Another connection took the client id over: true when it resumed the session (a delayed will is then not
    /// published), false when it started a new one (the old session ends, so its will goes now) [MQTT-3.1.4-3].
    var takenOverResuming: Bool?

    init(connect c: MQTTPacket.Connect, sessionExpiry: UInt32, topicAliasMaximum: UInt16) {
        self.sessionExpiry = sessionExpiry
        requestProblemInformation = c.properties.requestProblemInformation ?? true
        clientMaximumPacketSize = c.properties.maximumPacketSize.map { Int($0) } ?? Int.max
        clientReceiveMaximum = c.properties.receiveMaximum ?? UInt16.max
        aliases = MQTTTopicAliases(
            inboundMaximum: topicAliasMaximum, outboundMaximum: c.properties.topicAliasMaximum ?? 0)
    }
}
