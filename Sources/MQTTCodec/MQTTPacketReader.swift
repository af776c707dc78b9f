import AMQPValues

/// Reads the fields of one packet body whose bytes are all buffered, bounded by the remaining length.
///
/// Works on the buffer's storage in place, so the only copies made are the fields the packet keeps (topic,
/// payload, strings). A read past the end throws: inside a complete packet, missing bytes mean the remaining
/// length was too short for the content (MQTT 3.1.1 §2.2.3), not that more bytes are coming.
struct MQTTPacketReader {
    /// The packet being read, for error messages.
    let packet: MQTTPacketType
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(packet: MQTTPacketType, body: UnsafeRawBufferPointer) {
        self.packet = packet
        self.bytes = body
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.count - offset }

    mutating func readUInt8(_ field: String) throws(MQTTProtocolError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(packet, field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(_ field: String) throws(MQTTProtocolError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(packet, field) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    /// A packet identifier, which must not be 0 [MQTT-2.3.1-1]. Acknowledgements are held to the same rule:
    /// they echo an identifier the sender had to make non-zero, so 0 can only be a broken peer.
    mutating func readPacketId() throws(MQTTProtocolError) -> UInt16 {
        let id = try readUInt16("packet identifier")
        guard id != 0 else { throw .protocolViolation("[MQTT-2.3.1-1] \(packet) with packet identifier 0") }
        return id
    }

    /// Binary data: a two-byte length and that many bytes (MQTT 3.1.1 §1.5.3 layout, no UTF-8 check).
    mutating func readBinary(_ field: String) throws(MQTTProtocolError) -> [UInt8] {
        let count = Int(try readUInt16(field))
        guard remaining >= count else { throw .truncated(packet, field) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A UTF-8 encoded string: well-formed UTF-8 without surrogates [MQTT-1.5.3-1] and without U+0000 [MQTT-1.5.3-2].
    mutating func readString(_ field: String) throws(MQTTProtocolError) -> ByteString {
        let s = ByteString(try readBinary(field))
        guard !s.bytes.contains(0) else {
            throw .malformed("[MQTT-1.5.3-2] \(packet) \(field) contains U+0000")
        }
        guard s.isValidUTF8 else {
            throw .malformed("[MQTT-1.5.3-1] \(packet) \(field) is not well-formed UTF-8")
        }
        return s
    }

    /// A topic name to publish to: a string of at least one byte without wildcards. Validated in one call to
    /// `MQTTTopic.isValidTopicName`; only a rejected name is examined again to say which rule it broke.
    mutating func readTopicName(_ field: String) throws(MQTTProtocolError) -> ByteString {
        let topic = ByteString(try readBinary(field))
        if MQTTTopic.isValidTopicName(topic) { return topic }
        if topic.isEmpty {
            throw MQTTProtocolError(code: .topicNameInvalid, message: "[MQTT-4.7.3-1] \(packet) \(field) is empty")
        }
        try Self.checkText(topic, packet: packet, field: field)
        throw MQTTProtocolError(
            code: .topicNameInvalid, message: "[MQTT-3.3.2-2] \(packet) \(field) \"\(topic)\" contains a wildcard")
    }

    /// A topic filter to subscribe or unsubscribe: a string of at least one byte with `+` only as a whole level
    /// [MQTT-4.7.1-3] and `#` only as the whole last level [MQTT-4.7.1-2].
    mutating func readTopicFilter() throws(MQTTProtocolError) -> ByteString {
        let filter = ByteString(try readBinary("topic filter"))
        if MQTTTopic.isValidFilter(filter) { return filter }
        if filter.isEmpty {
            throw MQTTProtocolError(
                code: .topicFilterInvalid, message: "[MQTT-4.7.3-1] \(packet) topic filter is empty")
        }
        try Self.checkText(filter, packet: packet, field: "topic filter")
        let message =
            Self.hashPlacementIsValid(filter.bytes)
            ? "[MQTT-4.7.1-3] \(packet) topic filter \"\(filter)\" uses '+' inside a level"
            : "[MQTT-4.7.1-2] \(packet) topic filter \"\(filter)\" uses '#' other than as the whole last level"
        throw MQTTProtocolError(code: .topicFilterInvalid, message: message)
    }

    /// The rest of the body (a PUBLISH payload).
    mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// Throws the UTF-8 error a rejected topic or filter has, if that is why it was rejected.
    private static func checkText(_ s: ByteString, packet: MQTTPacketType, field: String) throws(MQTTProtocolError) {
        if s.bytes.contains(0) { throw .malformed("[MQTT-1.5.3-2] \(packet) \(field) contains U+0000") }
        if !s.isValidUTF8 { throw .malformed("[MQTT-1.5.3-1] \(packet) \(field) is not well-formed UTF-8") }
    }

    /// True when every `#` in `f` is the whole last level.
    private static func hashPlacementIsValid(_ f: [UInt8]) -> Bool {
        guard let i = f.firstIndex(of: UInt8(ascii: "#")) else { return true }
        return i == f.count - 1 && (i == 0 || f[i - 1] == UInt8(ascii: "/"))
    }
}
