import Bytes

/// The properties of an MQTT 5 packet, or of the will in a CONNECT (MQTT 5.0 §2.2.2): `MQTTProperty` values in wire
/// order, as received or as to be sent.
///
/// Empty in every MQTT 3.x packet and in an MQTT 5 packet without properties. The empty value is an empty array,
/// which allocates nothing, so a packet without properties (the 3.1.1 PUBLISH hot path above all) pays nothing for
/// them. The order is kept, as User Property requires [MQTT-3.3.2-18]; the typed accessors
/// (`MQTTProperties+Accessors.swift`) read the first property with an identifier and replace properties in place.
///
/// Decoding checks what §2.2.2 and the property sections of each packet require: the property length fits the
/// packet, every identifier is defined (else malformed) and allowed where it appears (Table 2-4; else malformed, as
/// §2.2.2.2 says), no property but User Property (and Subscription Identifier in PUBLISH) appears twice (protocol
/// error), byte values that must be 0 or 1 are, Receive Maximum, Maximum Packet Size and Subscription Identifier are
/// not 0, strings are well-formed UTF-8 without U+0000 [MQTT-1.5.4-1] [MQTT-1.5.4-2], a Response Topic is a topic
/// name without wildcards [MQTT-3.3.2-14], and CONNECT has no Authentication Data without an Authentication Method.
/// Rules that need the connection's state are the frontend's: a Topic Alias of 0 or above the negotiated maximum,
/// a Subscription Identifier in a PUBLISH from a client [MQTT-3.3.4-6], a DISCONNECT Session Expiry Interval the
/// CONNECT did not allow, an AUTH whose method differs from (or is missing against) the CONNECT's.
public struct MQTTProperties: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The properties in wire order.
    public var list: [MQTTProperty]

    /// Properties in the given order; no properties by default.
    public init(_ list: [MQTTProperty] = []) { self.list = list }

    public init(arrayLiteral elements: MQTTProperty...) { list = elements }

    /// Whether there are no properties.
    public var isEmpty: Bool { list.isEmpty }

    /// Bytes the properties take on the wire, the property length varint included: 1 when there are none.
    public var encodedSize: Int {
        let body = bodySize
        return ByteBuffer.mqttVarintSize(body) + body
    }

    /// Bytes of the properties after the property length.
    var bodySize: Int {
        var size = 0
        for property in list { size += property.encodedSize }
        return size
    }
}

extension MQTTProperties {
    /// Reads a property length and the properties it covers, checking them for `location`.
    init(decoding r: inout MQTTPacketReader, in location: Location) throws(MQTTProtocolError) {
        let length = try r.readVarint("property length")
        guard length <= r.remaining else {
            throw .malformed(
                "[MQTT5 §2.2.2.1] \(location) property length \(length) runs past the \(r.remaining) bytes left")
        }
        list = []
        guard length > 0 else { return }
        let end = r.remaining - length
        var seen: UInt64 = 0
        while r.remaining > end {
            let byte = try r.readUInt8("property identifier")
            guard let id = MQTTProperty.Identifier(rawValue: byte) else {
                throw .malformed(
                    "[MQTT5 §2.2.2.2] \(location) has property identifier \(byte.hexString), which is not defined")
            }
            guard id.isAllowed(in: location) else {
                throw .malformed("[MQTT5 §2.2.2.2] \(location) may not carry the \(id) property")
            }
            let bit: UInt64 = 1 << id.rawValue
            if seen & bit != 0 && !id.mayRepeat(in: location) {
                throw .protocolViolation("\(location.section) \(location) has the \(id) property more than once")
            }
            seen |= bit
            let property = try Self.readValue(id, in: location, from: &r)
            guard r.remaining >= end else {
                throw .malformed("[MQTT5 §2.2.2.1] \(location) \(id) property runs past the property length")
            }
            list.append(property)
        }
        let method: UInt64 = 1 << MQTTProperty.Identifier.authenticationMethod.rawValue
        let data: UInt64 = 1 << MQTTProperty.Identifier.authenticationData.rawValue
        if location == .packet(.connect) && seen & data != 0 && seen & method == 0 {
            throw .protocolViolation(
                "[MQTT5 §3.1.2.11.10] CONNECT has Authentication Data without an Authentication Method")
        }
    }

    /// Writes the property length and the properties; `bodySize` is `self.bodySize`, which the caller computed
    /// for the packet's remaining length.
    func encode(bodySize: Int, into buffer: inout ByteBuffer) {
        buffer.writeMQTTVarint(bodySize)
        for property in list { property.encode(into: &buffer) }
    }

    /// Reads the value of a property whose identifier was just read, and checks its value rules.
    private static func readValue(
        _ id: MQTTProperty.Identifier, in location: Location, from r: inout MQTTPacketReader
    ) throws(MQTTProtocolError) -> MQTTProperty {
        let field = "\(id) property"
        switch id {
        case .payloadFormatIndicator: return .payloadFormatIndicator(try readFlag(id, in: location, from: &r))
        case .messageExpiryInterval: return .messageExpiryInterval(try r.readUInt32(field))
        case .contentType: return .contentType(try r.readString(field))
        case .responseTopic:
            let topic = try r.readString(field)
            guard MQTTTopic.isValidTopicName(topic) else {
                throw .protocolViolation(
                    topic.isEmpty
                        ? "[MQTT-4.7.3-1] \(location) Response Topic is empty"
                        : "[MQTT-3.3.2-14] \(location) Response Topic \"\(topic)\" contains a wildcard")
            }
            return .responseTopic(topic)
        case .correlationData: return .correlationData(try r.readBinary(field))
        case .subscriptionIdentifier:
            let value = try r.readVarint(field)
            guard value != 0 else {
                throw .protocolViolation("\(location.section) \(location) Subscription Identifier is 0")
            }
            return .subscriptionIdentifier(value)
        case .sessionExpiryInterval: return .sessionExpiryInterval(try r.readUInt32(field))
        case .assignedClientIdentifier: return .assignedClientIdentifier(try r.readString(field))
        case .serverKeepAlive: return .serverKeepAlive(try r.readUInt16(field))
        case .authenticationMethod: return .authenticationMethod(try r.readString(field))
        case .authenticationData: return .authenticationData(try r.readBinary(field))
        case .requestProblemInformation: return .requestProblemInformation(try readFlag(id, in: location, from: &r))
        case .willDelayInterval: return .willDelayInterval(try r.readUInt32(field))
        case .requestResponseInformation: return .requestResponseInformation(try readFlag(id, in: location, from: &r))
        case .responseInformation: return .responseInformation(try r.readString(field))
        case .serverReference: return .serverReference(try r.readString(field))
        case .reasonString: return .reasonString(try r.readString(field))
        case .receiveMaximum:
            let value = try r.readUInt16(field)
            guard value != 0 else { throw .protocolViolation("\(location.section) \(location) Receive Maximum is 0") }
            return .receiveMaximum(value)
        case .topicAliasMaximum: return .topicAliasMaximum(try r.readUInt16(field))
        case .topicAlias: return .topicAlias(try r.readUInt16(field))
        case .maximumQoS:
            return .maximumQoS(try readFlag(id, in: location, from: &r) ? .atLeastOnce : .atMostOnce)
        case .retainAvailable: return .retainAvailable(try readFlag(id, in: location, from: &r))
        case .userProperty:
            let name = try r.readString("User Property name")
            return .userProperty(name: name, value: try r.readString("User Property value"))
        case .maximumPacketSize:
            let value = try r.readUInt32(field)
            guard value != 0 else {
                throw .protocolViolation("\(location.section) \(location) Maximum Packet Size is 0")
            }
            return .maximumPacketSize(value)
        case .wildcardSubscriptionAvailable:
            return .wildcardSubscriptionAvailable(try readFlag(id, in: location, from: &r))
        case .subscriptionIdentifierAvailable:
            return .subscriptionIdentifierAvailable(try readFlag(id, in: location, from: &r))
        case .sharedSubscriptionAvailable:
            return .sharedSubscriptionAvailable(try readFlag(id, in: location, from: &r))
        }
    }

    /// A byte property that may only be 0 or 1 (any other value is a protocol error).
    private static func readFlag(
        _ id: MQTTProperty.Identifier, in location: Location, from r: inout MQTTPacketReader
    ) throws(MQTTProtocolError) -> Bool {
        let value = try r.readUInt8("\(id) property")
        guard value <= 1 else {
            throw .protocolViolation("\(location.section) \(location) \(id) is \(value); it must be 0 or 1")
        }
        return value == 1
    }
}
