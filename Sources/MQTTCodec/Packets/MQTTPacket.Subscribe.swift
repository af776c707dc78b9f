import Bytes

extension MQTTPacket {
    /// SUBSCRIBE: a client asks for one or more topic filters (MQTT 3.1.1 §3.8).
    public struct Subscribe: Sendable, Equatable {
        /// The packet identifier, echoed in the SUBACK; never 0 [MQTT-2.3.1-1].
        public var packetId: UInt16
        /// The requested subscriptions in packet order; at least one [MQTT-3.8.3-3].
        public var subscriptions: [Subscription]

        public init(packetId: UInt16, subscriptions: [Subscription]) {
            self.packetId = packetId
            self.subscriptions = subscriptions
        }
    }
}

extension MQTTPacket.Subscribe {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        packetId = try r.readPacketId()
        guard r.remaining > 0 else { throw .protocolViolation("[MQTT-3.8.3-3] SUBSCRIBE has no topic filters") }
        subscriptions = []
        while r.remaining > 0 {
            let filter = try r.readTopicFilter()
            let options = try r.readUInt8("requested QoS")
            // The spec itself spells this clause "MQTT-3-8.3-4".
            guard options & 0b1111_1100 == 0 else {
                throw .malformed(
                    "[MQTT-3-8.3-4] SUBSCRIBE requested QoS byte \(options.hexString) sets reserved bits 7-2")
            }
            guard let qos = MQTTQoS(rawValue: options) else {
                throw .malformed("[MQTT-3-8.3-4] SUBSCRIBE requests QoS 3")
            }
            subscriptions.append(Subscription(filter: filter, qos: qos))
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        var length = 2
        for s in subscriptions { length += 2 + s.filter.count + 1 }
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(
            .subscribe, flags: MQTTPacketType.subscribe.requiredFlags ?? 0, remainingLength: length)
        buffer.writeInteger(packetId)
        for s in subscriptions {
            buffer.writeMQTTLengthPrefixed(s.filter.bytes)
            buffer.writeUInt8(s.qos.rawValue)
        }
    }
}
