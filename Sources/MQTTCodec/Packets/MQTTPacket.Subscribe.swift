import AMQPValues
import Bytes

extension MQTTPacket {
    /// SUBSCRIBE: a client asks for one or more topic filters (MQTT 3.1.1 §3.8, MQTT 5.0 §3.8).
    public struct Subscribe: Sendable, Equatable {
        /// The packet identifier, echoed in the SUBACK; never 0 [MQTT-2.3.1-1].
        public var packetId: UInt16
        /// The requested subscriptions in packet order; at least one [MQTT-3.8.3-3].
        public var subscriptions: [Subscription]
        /// MQTT 5: a Subscription Identifier and User Properties; not written in a 3.x session.
        public var properties: MQTTProperties

        public init(packetId: UInt16, subscriptions: [Subscription], properties: MQTTProperties = []) {
            self.packetId = packetId
            self.subscriptions = subscriptions
            self.properties = properties
        }
    }
}

extension MQTTPacket.Subscribe {
    private static let optionNoLocal: UInt8 = 0b0000_0100
    private static let optionRetainAsPublished: UInt8 = 0b0000_1000

    init(decoding r: inout MQTTPacketReader) throws(MQTTProtocolError) {
        packetId = try r.readPacketId()
        let isV5 = r.version == .v5
        properties = isV5 ? try MQTTProperties(decoding: &r, in: .packet(.subscribe)) : MQTTProperties()
        guard r.remaining > 0 else {
            throw .protocolViolation("\(r.clause("[MQTT-3.8.3-3]", "[MQTT-3.8.3-2]")) SUBSCRIBE has no topic filters")
        }
        subscriptions = []
        while r.remaining > 0 {
            let filter = try r.readTopicFilter()
            if isV5 {
                subscriptions.append(try Self.readOptions(filter: filter, from: &r))
                continue
            }
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

    /// The MQTT 5 subscription options byte after `filter` (MQTT 5.0 §3.8.3.1).
    private static func readOptions(
        filter: ByteString, from r: inout MQTTPacketReader
    ) throws(MQTTProtocolError) -> Subscription {
        let options = try r.readUInt8("subscription options")
        guard options & 0b1100_0000 == 0 else {
            throw .malformed("[MQTT-3.8.3-5] SUBSCRIBE subscription options \(options.hexString) set reserved bits 7-6")
        }
        guard let qos = MQTTQoS(rawValue: options & 0b11) else {
            throw .protocolViolation("[MQTT5 §3.8.3.1] SUBSCRIBE requests QoS 3 for \"\(filter)\"")
        }
        guard let retainHandling = Subscription.RetainHandling(rawValue: options >> 4 & 0b11) else {
            throw .protocolViolation("[MQTT5 §3.8.3.1] SUBSCRIBE asks retain handling 3 for \"\(filter)\"")
        }
        let noLocal = options & optionNoLocal != 0
        if noLocal && MQTTTopic.isSharedFilter(filter) {
            throw .protocolViolation("[MQTT-3.8.3-4] SUBSCRIBE sets No Local on the shared subscription \"\(filter)\"")
        }
        return Subscription(
            filter: filter, qos: qos, noLocal: noLocal, retainAsPublished: options & optionRetainAsPublished != 0,
            retainHandling: retainHandling)
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout ByteBuffer) {
        let isV5 = version == .v5
        let propertiesSize = isV5 ? properties.bodySize : 0
        var length = 2 + (isV5 ? ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize : 0)
        for s in subscriptions { length += 2 + s.filter.count + 1 }
        buffer.reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        buffer.writeMQTTFixedHeader(
            .subscribe, flags: MQTTPacketType.subscribe.requiredFlags ?? 0, remainingLength: length)
        buffer.writeInteger(packetId)
        if isV5 { properties.encode(bodySize: propertiesSize, into: &buffer) }
        for s in subscriptions {
            buffer.writeMQTTLengthPrefixed(s.filter.bytes)
            guard isV5 else {
                buffer.writeUInt8(s.qos.rawValue)
                continue
            }
            buffer.writeUInt8(
                s.qos.rawValue | (s.noLocal ? Self.optionNoLocal : 0)
                    | (s.retainAsPublished ? Self.optionRetainAsPublished : 0) | s.retainHandling.rawValue << 4)
        }
    }
}
