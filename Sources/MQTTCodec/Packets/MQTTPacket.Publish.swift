import AMQPValues
import Bytes

extension MQTTPacket {
    /// PUBLISH: an application message in either direction (MQTT 3.1.1 §3.3, MQTT 5.0 §3.3).
    ///
    /// `packetId` is present exactly when `qos` is above 0 (3.1.1 §3.3.2.2). The hot path encodes with
    /// `MQTTEncoder.encodePublish`, which takes the payload by pointer instead of building this struct.
    ///
    /// In MQTT 5 the topic may be empty when `properties` has a Topic Alias: the frontend, which holds the alias
    /// mappings, resolves it (MQTT 5.0 §3.3.4); an empty topic without an alias is refused by the decoder.
    public struct Publish: Sendable, Equatable {
        /// DUP: this is a redelivery of a message sent before; always false for QoS 0 [MQTT-3.3.1-2].
        public var dup: Bool
        /// The QoS of this delivery.
        public var qos: MQTTQoS
        /// RETAIN: store (client to server) or came from the retained store (server to client).
        public var retain: Bool
        /// The packet identifier, non-zero, for QoS 1 and 2; nil for QoS 0. Declared next to the flags, with which it
        /// shares a word, so the struct is four words.
        public var packetId: UInt16?
        /// The topic name: no wildcards [MQTT-3.3.2-2]; non-empty, except in MQTT 5 with a Topic Alias.
        public var topic: ByteString
        /// MQTT 5: the message's properties (Payload Format Indicator, Message Expiry Interval, Topic Alias, Response
        /// Topic, Correlation Data, User Properties, Subscription Identifiers, Content Type); empty, without an
        /// allocation, in MQTT 3.x and not written in a 3.x session.
        public var properties: MQTTProperties
        /// The application message.
        public var payload: [UInt8]

        public init(
            dup: Bool = false, qos: MQTTQoS = .atMostOnce, retain: Bool = false, topic: ByteString,
            packetId: UInt16? = nil, properties: MQTTProperties = [], payload: [UInt8]
        ) {
            self.dup = dup
            self.qos = qos
            self.retain = retain
            self.topic = topic
            self.packetId = packetId
            self.properties = properties
            self.payload = payload
        }
    }
}

extension MQTTPacket.Publish {
    static let flagDup: UInt8 = 0b1000
    static let flagRetain: UInt8 = 0b0001

    /// Splits the fixed-header flags of a PUBLISH, rejecting QoS 3 [MQTT-3.3.1-4] and DUP on QoS 0 [MQTT-3.3.1-2].
    /// The decoder calls this as soon as the first byte arrives, so such a packet is refused before its body.
    static func parseFlags(_ flags: UInt8) throws(MQTTProtocolError) -> (dup: Bool, qos: MQTTQoS, retain: Bool) {
        guard let qos = MQTTQoS(rawValue: (flags >> 1) & 0b11) else {
            throw .malformed("[MQTT-3.3.1-4] PUBLISH with QoS 3")
        }
        let dup = flags & flagDup != 0
        if dup && qos == .atMostOnce { throw .malformed("[MQTT-3.3.1-2] PUBLISH with QoS 0 has DUP set") }
        return (dup, qos, flags & flagRetain != 0)
    }

    /// Decodes the body. The fields are read into locals and the packet is made at the end: assigning them to `self`
    /// one by one made the optimizer copy the whole packet (a retain and release per field) on the 3.1.1 hot path.
    init(decoding r: inout MQTTPacketReader, flags: UInt8) throws(MQTTProtocolError) {
        let (dup, qos, retain) = try Self.parseFlags(flags)
        let isV5 = r.version == .v5
        let topic = try r.readTopicName("topic name", allowsEmpty: isV5)
        let packetId = qos == .atMostOnce ? nil : try r.readPacketId()
        var properties = MQTTProperties()
        if isV5 {
            properties = try MQTTProperties(decoding: &r, in: .packet(.publish))
            if topic.isEmpty && properties.topicAlias == nil {
                throw .protocolViolation("[MQTT5 §3.3.2.1] PUBLISH has an empty topic name and no Topic Alias")
            }
        }
        self.init(
            dup: dup, qos: qos, retain: retain, topic: topic, packetId: packetId, properties: properties,
            payload: r.readRest())
    }
}
