/// What an MQTT session remembers between connections besides its queue and bindings (MQTT 3.1.1 §4.1):
/// QoS 2 exchanges that are half done in either direction.
import MQTTCodec

struct MQTTSessionState {
    /// Packet ids of inbound QoS 2 PUBLISHes routed and answered with PUBREC, awaiting PUBREL: a resent
    /// PUBLISH with one of these ids is not routed again [MQTT-4.3.3-2].
    var inboundQoS2: Set<UInt16> = []
    /// Packet ids of outbound QoS 2 messages the client acknowledged with PUBREC: PUBREL is resent for these
    /// on reconnect [MQTT-4.4.0-1].
    var pendingPubRel: [UInt16] = []
}
