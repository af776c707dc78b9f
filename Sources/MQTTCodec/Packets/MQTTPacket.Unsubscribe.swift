import AMQPValues
import Bytes

extension MQTTPacket {
    /// UNSUBSCRIBE: a client drops one or more topic filters (MQTT 3.1.1 §3.10, MQTT 5.0 §3.10).
    public struct Unsubscribe: Sendable, Equatable {
        /// The packet identifier, echoed in the UNSUBACK; never 0 [MQTT-2.3.1-1].
        public var packetId: UInt16
        /// The topic filters to remove, at least one [MQTT-3.10.3-2]; each valid per `MQTTTopic.isValidFilter` (and in
        /// MQTT 5, a `$share/` filter valid per `MQTTTopic.splitSharedFilter`).
        public var filters: [ByteString]
        /// MQTT 5: User Properties; not written in a 3.x session.
        public var properties: MQTTProperties

        public init(packetId: UInt16, filters: [ByteString], properties: MQTTProperties = []) {
            self.packetId = packetId
            self.filters = filters
            self.properties = properties
        }
    }
}

extension MQTTPacket.Unsubscribe {
    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        packetId = try r.readPacketId()
        properties = r.version == .v5 ? try MQTTProperties(decoding: &r, in: .packet(.unsubscribe)) : MQTTProperties()
        guard r.remaining > 0 else { throw .protocolViolation("[MQTT-3.10.3-2] UNSUBSCRIBE has no topic filters") }
        filters = []
        while r.remaining > 0 {
            filters.append(try r.readTopicFilter())
        }
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        let propertiesSize = version == .v5 ? properties.bodySize : 0
        var length = 2 + (version == .v5 ? ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize : 0)
        for f in filters { length += 2 + f.count }
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(
            .unsubscribe, flags: MQTTPacketType.unsubscribe.requiredFlags ?? 0, remainingLength: length)
        buffer.writeInteger(packetId)
        if version == .v5 { properties.encode(bodySize: propertiesSize, into: &buffer) }
        for f in filters { buffer.writeMQTTLengthPrefixed(f.bytes) }
    }
}
