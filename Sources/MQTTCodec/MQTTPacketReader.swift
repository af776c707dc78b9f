import AMQPValues
import Glibc

/// Reads the fields of one packet body whose bytes are all buffered, bounded by the remaining length.
///
/// Works on the buffer's storage in place, so the only copies made are the fields the packet keeps (topic,
/// payload, strings). A read past the end throws: inside a complete packet, missing bytes mean the remaining
/// length was too short for the content (MQTT 3.1.1 §2.2.3, MQTT 5.0 §2.1.4), not that more bytes are coming.
/// Error messages cite the clause of the session's protocol version, where MQTT 5.0 numbers a rule differently.
struct MQTTPacketReader {
    /// The packet being read, for error messages.
    let packet: MQTTPacketType
    /// The protocol version whose clauses errors cite: the session's, or for CONNECT the level it asks for, once read.
    var version: MQTTProtocolVersion?
    /// A topic name returned as it is when a PUBLISH names the same bytes (see `MQTTDecoder.decode`).
    var recentTopic: ByteString?
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(packet: MQTTPacketType, body: UnsafeRawBufferPointer, version: MQTTProtocolVersion?) {
        self.packet = packet
        self.bytes = body
        self.version = version
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.count - offset }

    /// `v3` in an MQTT 3.x session (or before the level is known), `v5` in an MQTT 5 session.
    func clause(_ v3: String, _ v5: String) -> String { version == .v5 ? v5 : v3 }

    /// The section that defines the remaining length, for the error of a body whose fields do not fit it.
    static func lengthSection(_ version: MQTTProtocolVersion?) -> String {
        version == .v5 ? "[MQTT5 §2.1.4]" : "[MQTT §2.2.3]"
    }

    /// A field runs past the end the remaining length gives the packet.
    func truncated(_ field: String) -> MQTTProtocolError {
        .malformed(
            "\(Self.lengthSection(version)) \(packet) ends inside its \(field): the remaining length is too short")
    }

    mutating func readUInt8(_ field: String) throws(MQTTProtocolError) -> UInt8 {
        guard remaining >= 1 else { throw truncated(field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(_ field: String) throws(MQTTProtocolError) -> UInt16 {
        guard remaining >= 2 else { throw truncated(field) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt32(_ field: String) throws(MQTTProtocolError) -> UInt32 {
        guard remaining >= 4 else { throw truncated(field) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    /// A variable byte integer (MQTT 5.0 §1.5.5): 7 bits per byte, least significant first, at most four bytes, in
    /// the fewest bytes that hold the value [MQTT-1.5.5-1].
    mutating func readVarint(_ field: String) throws(MQTTProtocolError) -> Int {
        var value = 0
        for i in 0..<4 {
            let byte = try readUInt8(field)
            value |= Int(byte & 0x7F) << (7 * i)
            if byte & 0x80 == 0 {
                if byte == 0 && i > 0 {
                    throw .malformed("[MQTT-1.5.5-1] \(packet) \(field) is encoded in more bytes than its value needs")
                }
                return value
            }
        }
        throw .malformed("[MQTT5 §1.5.5] \(packet) \(field) continues past its fourth byte")
    }

    /// A packet identifier, which must not be 0 [MQTT-2.3.1-1]. Acknowledgements are held to the same rule:
    /// they echo an identifier the sender had to make non-zero, so 0 can only be a broken peer.
    mutating func readPacketId() throws(MQTTProtocolError) -> UInt16 {
        let id = try readUInt16("packet identifier")
        guard id != 0 else {
            throw .protocolViolation("\(clause("[MQTT-2.3.1-1]", "[MQTT5 §2.2.1]")) \(packet) with packet identifier 0")
        }
        return id
    }

    /// An MQTT 5 reason code, which must be one the packet may carry (MQTT 5.0 §2.4; a protocol error otherwise).
    mutating func readReasonCode() throws(MQTTProtocolError) -> MQTTReasonCode {
        let code = MQTTReasonCode(rawValue: try readUInt8("reason code"))
        guard code.isValid(in: packet) else {
            throw .protocolViolation("\(packet.reasonCodeClause) \(packet) may not carry reason code \(code)")
        }
        return code
    }

    /// The body of PUBACK, PUBREC, PUBREL or PUBCOMP: the packet identifier, then in MQTT 5 a reason code (Success
    /// when the remaining length is 2) and properties (none when it is 3) (MQTT 5.0 §3.4.2).
    mutating func readAcknowledgement() throws(MQTTProtocolError) -> (
        packetId: UInt16, reasonCode: MQTTReasonCode, properties: MQTTProperties
    ) {
        let packetId = try readPacketId()
        guard version == .v5 && remaining > 0 else { return (packetId, .success, MQTTProperties()) }
        let reasonCode = try readReasonCode()
        guard remaining > 0 else { return (packetId, reasonCode, MQTTProperties()) }
        return (packetId, reasonCode, try MQTTProperties(decoding: &self, in: .packet(packet)))
    }

    /// Binary data: a two-byte length and that many bytes (MQTT 3.1.1 §1.5.3 layout, no UTF-8 check).
    mutating func readBinary(_ field: String) throws(MQTTProtocolError) -> [UInt8] {
        let count = Int(try readUInt16(field))
        guard remaining >= count else { throw truncated(field) }
        defer { offset += count }
        return copy(offset, count)
    }

    /// A UTF-8 encoded string: well-formed UTF-8 without surrogates [MQTT-1.5.3-1] and without U+0000 [MQTT-1.5.3-2]
    /// (MQTT 5.0: [MQTT-1.5.4-1], [MQTT-1.5.4-2]).
    mutating func readString(_ field: String) throws(MQTTProtocolError) -> ByteString {
        let s = ByteString(try readBinary(field))
        try checkText(s, field: field)
        return s
    }

    /// A topic name to publish to: a string of at least one byte without wildcards. Validated in one call to
    /// `MQTTTopic.isValidTopicName`; only a rejected name is examined again to say which rule it broke.
    /// - Parameter allowsEmpty: an empty name is returned rather than refused (an MQTT 5 PUBLISH with a topic alias).
    mutating func readTopicName(_ field: String, allowsEmpty: Bool = false) throws(MQTTProtocolError) -> ByteString {
        if let recent = recentTopic, readRecent(recent) { return recent }
        let topic = ByteString(try readBinary(field))
        if MQTTTopic.isValidTopicName(topic) { return topic }
        if topic.isEmpty {
            if allowsEmpty { return topic }
            throw MQTTProtocolError(code: .topicNameInvalid, message: "[MQTT-4.7.3-1] \(packet) \(field) is empty")
        }
        try checkText(topic, field: field)
        throw MQTTProtocolError(
            code: .topicNameInvalid, message: "[MQTT-3.3.2-2] \(packet) \(field) \"\(topic)\" contains a wildcard")
    }

    /// Consumes the next binary field if it holds exactly `recent`'s bytes (not empty), else reads nothing.
    private mutating func readRecent(_ recent: ByteString) -> Bool {
        let count = recent.count
        guard count > 0, remaining >= 2 + count,
            Int(bytes[offset]) << 8 | Int(bytes[offset + 1]) == count,
            recent.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress! + offset + 2, count) }) == 0
        else { return false }
        offset += 2 + count
        return true
    }

    /// A topic filter to subscribe or unsubscribe: a string of at least one byte with `+` only as a whole level
    /// [MQTT-4.7.1-3] and `#` only as the whole last level [MQTT-4.7.1-2] (MQTT 5.0: [MQTT-4.7.1-2], [MQTT-4.7.1-1]).
    /// In an MQTT 5 session a filter starting with `$share/` must also be a valid shared subscription
    /// [MQTT-4.8.2-1] [MQTT-4.8.2-2]; MQTT 3.x has no shared subscriptions and takes it as an ordinary filter.
    mutating func readTopicFilter() throws(MQTTProtocolError) -> ByteString {
        let filter = ByteString(try readBinary("topic filter"))
        if MQTTTopic.isValidFilter(filter) {
            if version == .v5 && MQTTTopic.isSharedFilter(filter) && MQTTTopic.splitSharedFilter(filter) == nil {
                throw sharedFilterError(filter)
            }
            return filter
        }
        if filter.isEmpty {
            throw MQTTProtocolError(
                code: .topicFilterInvalid, message: "[MQTT-4.7.3-1] \(packet) topic filter is empty")
        }
        try checkText(filter, field: "topic filter")
        let message =
            Self.hashPlacementIsValid(filter.bytes)
            ? "\(clause("[MQTT-4.7.1-3]", "[MQTT-4.7.1-2]")) \(packet) topic filter \"\(filter)\" uses '+' inside a level"
            : "\(clause("[MQTT-4.7.1-2]", "[MQTT-4.7.1-1]")) \(packet) topic filter \"\(filter)\" uses '#' other than "
                + "as the whole last level"
        throw MQTTProtocolError(code: .topicFilterInvalid, message: message)
    }

    /// The rest of the body (a PUBLISH payload).
    mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return copy(offset, bytes.count - offset)
    }

    /// `count` bytes from `start` as an array, copied from contiguous raw memory in one `memcpy` (the slice of
    /// the raw buffer would be copied as a generic collection, byte by byte).
    private func copy(_ start: Int, _ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]))
    }

    /// Throws the UTF-8 error a string, or a rejected topic or filter, has.
    private func checkText(_ s: ByteString, field: String) throws(MQTTProtocolError) {
        if s.bytes.contains(0) {
            throw .malformed("\(clause("[MQTT-1.5.3-2]", "[MQTT-1.5.4-2]")) \(packet) \(field) contains U+0000")
        }
        if !s.isValidUTF8 {
            throw .malformed(
                "\(clause("[MQTT-1.5.3-1]", "[MQTT-1.5.4-1]")) \(packet) \(field) is not well-formed UTF-8")
        }
    }

    /// Why a filter starting with `$share/` is not a shared subscription: an empty share name, or one with `+` or `#`
    /// or without the `/` and filter that must follow it.
    private func sharedFilterError(_ filter: ByteString) -> MQTTProtocolError {
        let afterPrefix = filter.bytes.dropFirst(MQTTTopic.sharedFilterPrefix.count)
        let message =
            afterPrefix.first == UInt8(ascii: "/")
            ? "[MQTT-4.8.2-1] \(packet) shared subscription \"\(filter)\" has an empty share name"
            : "[MQTT-4.8.2-2] \(packet) shared subscription \"\(filter)\" needs a share name without '+' or '#' "
                + "followed by '/' and a topic filter"
        return MQTTProtocolError(code: .topicFilterInvalid, message: message)
    }

    /// True when every `#` in `f` is the whole last level.
    private static func hashPlacementIsValid(_ f: [UInt8]) -> Bool {
        guard let i = f.firstIndex(of: UInt8(ascii: "#")) else { return true }
        return i == f.count - 1 && (i == 0 || f[i - 1] == UInt8(ascii: "/"))
    }
}
