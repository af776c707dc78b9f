import AMQPValues
import Bytes

extension MQTTPacket {
    /// PUBLISH: an application message in either direction (MQTT 3.1.1 §3.3).
    ///
    /// `packetId` is present exactly when `qos` is above 0 (3.1.1 §3.3.2.2). The hot path encodes with
    /// `MQTTEncoder.encodePublish`, which takes the payload by pointer instead of building this struct.
    public struct Publish: Sendable, Equatable {
        /// DUP: this is a redelivery of a message sent before; always false for QoS 0 [MQTT-3.3.1-2].
        public var dup: Bool
        /// The QoS of this delivery.
        public var qos: MQTTQoS
        /// RETAIN: store (client to server) or came from the retained store (server to client).
        public var retain: Bool
        /// The topic name: non-empty, no wildcards [MQTT-3.3.2-2].
        public var topic: ByteString
        /// The packet identifier, non-zero, for QoS 1 and 2; nil for QoS 0.
        public var packetId: UInt16?
        /// The application message.
        public var payload: [UInt8]

        public init(
            dup: Bool = false, qos: MQTTQoS = .atMostOnce, retain: Bool = false, topic: ByteString,
            packetId: UInt16? = nil, payload: [UInt8]
        ) {
            self.dup = dup
            self.qos = qos
            self.retain = retain
            self.topic = topic
            self.packetId = packetId
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

    init(decoding r: inout MQTTPacketReader, flags: UInt8) throws(MQTTProtocolError) {
        (dup, qos, retain) = try Self.parseFlags(flags)
        topic = try r.readTopicName("topic name")
        packetId = qos == .atMostOnce ? nil : try r.readPacketId()
        payload = r.readRest()
    }
}
