import AMQPValues
import Bytes

extension MQTTPacket {
    /// UNSUBSCRIBE: a client drops one or more topic filters (MQTT 3.1.1 §3.10).
    public struct Unsubscribe: Sendable, Equatable {
        /// The packet identifier, echoed in the UNSUBACK; never 0 [MQTT-2.3.1-1].
        public var packetId: UInt16
        /// The topic filters to remove, at least one [MQTT-3.10.3-2]; each valid per `MQTTTopic.isValidFilter`.
        public var filters: [ByteString]

        public init(packetId: UInt16, filters: [ByteString]) {
            self.packetId = packetId
            self.filters = filters
        }
    }
}

extension MQTTPacket.Unsubscribe {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        packetId = try r.readPacketId()
        guard r.remaining > 0 else { throw .protocolViolation("[MQTT-3.10.3-2] UNSUBSCRIBE has no topic filters") }
        filters = []
        while r.remaining > 0 {
            filters.append(try r.readTopicFilter())
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        var length = 2
        for f in filters { length += 2 + f.count }
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(
            .unsubscribe, flags: MQTTPacketType.unsubscribe.requiredFlags ?? 0, remainingLength: length)
        buffer.writeInteger(packetId)
        for f in filters { buffer.writeMQTTLengthPrefixed(f.bytes) }
    }
}
