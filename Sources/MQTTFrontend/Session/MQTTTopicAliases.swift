import AMQPValues
import MQTTCodec

/// The topic aliases of one MQTT 5 connection, both ways (MQTT 5.0 §3.3.2.3.4): what the client's aliases stand for,
/// and the aliases the server gives topics it sends. A pure state machine: packets' topics and aliases in, topics and
/// refusals out.
struct MQTTTopicAliases {
    /// The highest alias the client may use (the server's Topic Alias Maximum in CONNACK; 0: none).
    let inboundMaximum: UInt16
    /// The highest alias the server may use (the client's Topic Alias Maximum in CONNECT; 0: none).
    let outboundMaximum: UInt16
    private var inbound: [UInt16: ByteString] = [:]
    private var outbound: [ByteString: UInt16] = [:]
    /// The last topic sent with an alias, and the alias: a stream of messages to one topic compares bytes instead of
    /// hashing the topic for every message.
    private var lastOutbound: (topic: ByteString, alias: UInt16)?

    init(inboundMaximum: UInt16, outboundMaximum: UInt16) {
        self.inboundMaximum = inboundMaximum
        self.outboundMaximum = outboundMaximum
    }

    /// A PUBLISH refused for its alias: the reason code and why (the connection is closed with DISCONNECT).
    struct Refusal: Error, Equatable {
        let reasonCode: MQTTReasonCode
        let message: String
    }

    /// The topic of an inbound PUBLISH with `topic` and `alias`: a topic with an alias sets the alias, an empty topic
    /// uses it. An alias of 0 or above the maximum is Topic Alias invalid [MQTT-3.3.2-8, MQTT-3.3.2-9]; an empty topic
    /// with an alias never set is a protocol error.
    mutating func resolve(topic: ByteString, alias: UInt16?) throws(Refusal) -> ByteString {
        guard let alias else { return topic }
        guard alias != 0, alias <= inboundMaximum else {
            throw Refusal(
                reasonCode: .topicAliasInvalid,
                message: "[MQTT-3.3.2-8] topic alias \(alias) outside 1...\(inboundMaximum), the maximum announced")
        }
        if !topic.isEmpty {
            inbound[alias] = topic
            return topic
        }
        guard let known = inbound[alias] else {
            throw Refusal(
                reasonCode: .protocolError, message: "[MQTT5 §3.3.2.3.4] PUBLISH uses topic alias \(alias), never set")
        }
        return known
    }

    /// How to send `topic`: the topic to write (empty when the client knows the alias) and the alias, if any. A
    /// topic gets the next free alias on first use while there are any left; later topics go without one.
    mutating func outbound(_ topic: ByteString) -> (topic: ByteString, alias: UInt16?) {
        guard outboundMaximum > 0 else { return (topic, nil) }
        if let last = lastOutbound, last.topic == topic { return ("", last.alias) }
        if let alias = outbound[topic] {
            lastOutbound = (topic, alias)
            return ("", alias)
        }
        guard outbound.count < Int(outboundMaximum) else { return (topic, nil) }
        let alias = UInt16(outbound.count + 1)
        outbound[topic] = alias
        lastOutbound = (topic, alias)
        return (topic, alias)
    }
}
