import AMQPValues
import Bytes

/// The properties of an MQTT 5 packet (MQTT 5.0 §2.2.2), in the order they came or will be written: user
/// properties keep their order and repeated names. An empty list costs nothing (no allocation), which is what a
/// 3.1.1 packet carries.
public struct MQTTProperties: Sendable, Equatable {
    public var entries: [(id: MQTTPropertyID, value: MQTTPropertyValue)] = []

    public init() {}

    public init(_ entries: [(id: MQTTPropertyID, value: MQTTPropertyValue)]) {
        self.entries = entries
    }

    public var isEmpty: Bool { entries.isEmpty }

    public static func == (a: MQTTProperties, b: MQTTProperties) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.id == $1.id && $0.value == $1.value }
    }

    /// The first value of `id`, if present.
    public subscript(id: MQTTPropertyID) -> MQTTPropertyValue? {
        entries.first { $0.id == id }?.value
    }

    /// The integer value of `id` (byte, two-, four-byte or variable byte integer), if present.
    public func integer(_ id: MQTTPropertyID) -> UInt32? {
        if case .integer(let v)? = self[id] { v } else { nil }
    }

    /// The string value of `id`, if present.
    public func string(_ id: MQTTPropertyID) -> ByteString? {
        if case .string(let v)? = self[id] { v } else { nil }
    }

    /// The binary value of `id`, if present.
    public func binary(_ id: MQTTPropertyID) -> [UInt8]? {
        if case .binary(let v)? = self[id] { v } else { nil }
    }

    /// The user properties, in order.
    public var userProperties: [(name: ByteString, value: ByteString)] {
        entries.compactMap { if case .pair(let n, let v) = $0.value { (n, v) } else { nil } }
    }

    /// The subscription identifiers (a PUBLISH carries one per matching subscription).
    public var subscriptionIdentifiers: [UInt32] {
        entries.compactMap { e -> UInt32? in
            guard e.id == .subscriptionIdentifier, case .integer(let v) = e.value else { return nil }
            return v
        }
    }

    /// Bytes the property list takes on the wire after its length.
    public var byteCount: Int {
        entries.reduce(0) { sum, e in
            let value: Int =
                switch e.value {
                case .integer(let v):
                    switch e.id.kind {
                    case .byte: 1
                    case .twoByteInteger: 2
                    case .variableByteInteger: ByteBuffer.mqttVarintSize(Int(v))
                    default: 4
                    }
                case .string(let s): 2 + s.count
                case .binary(let b): 2 + b.count
                case .pair(let n, let v): 4 + n.count + v.count
                }
            return sum + 1 + value
        }
    }

    /// Bytes the property list takes on the wire, its length included.
    public var encodedSize: Int { ByteBuffer.mqttVarintSize(byteCount) + byteCount }
}

extension ByteBuffer {
    /// Writes `properties` with their length (MQTT 5.0 §2.2.2.1); the caller built them valid.
    public mutating func writeMQTTProperties(_ properties: MQTTProperties) {
        writeMQTTVarint(properties.byteCount)
        for (id, value) in properties.entries {
            writeUInt8(id.rawValue)
            switch value {
            case .integer(let v):
                switch id.kind {
                case .byte: writeUInt8(UInt8(truncatingIfNeeded: v))
                case .twoByteInteger: writeInteger(UInt16(truncatingIfNeeded: v))
                case .variableByteInteger: writeMQTTVarint(Int(v))
                default: writeInteger(v)
                }
            case .string(let s): writeMQTTLengthPrefixed(s.bytes)
            case .binary(let b): writeMQTTLengthPrefixed(b)
            case .pair(let n, let v):
                writeMQTTLengthPrefixed(n.bytes)
                writeMQTTLengthPrefixed(v.bytes)
            }
        }
    }

    /// Writes a variable byte integer (MQTT 5.0 §1.5.5).
    mutating func writeMQTTVarint(_ value: Int) {
        precondition(value >= 0 && value <= MQTTEncoder.maxRemainingLength, "MQTT variable byte integer out of range")
        var v = value
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v > 0 { byte |= 0x80 }
            writeUInt8(byte)
        } while v > 0
    }
}

extension MQTTPacketReader {
    /// A variable byte integer (MQTT 5.0 §1.5.5): at most four bytes.
    mutating func readVarint(_ field: String) throws(MQTTProtocolError) -> Int {
        var value = 0
        for i in 0..<4 {
            let byte = try readUInt8(field)
            value |= Int(byte & 0x7F) << (7 * i)
            if byte & 0x80 == 0 { return value }
        }
        throw .malformed("[MQTT-1.5.5-1] \(packet) \(field) continues past its fourth byte")
    }

    /// A property list for `context` (MQTT 5.0 §2.2.2): its length must fit the packet; an unknown identifier is
    /// malformed; a property the packet may not carry, one repeated that may not repeat, or a value the
    /// specification rules out is a protocol error.
    mutating func readProperties(_ context: MQTTPropertyContext) throws(MQTTProtocolError) -> MQTTProperties {
        let length = try readVarint("property length")
        guard length <= remaining else {
            throw .malformed("[MQTT §2.2.2.1] \(packet) property length \(length) runs past the packet")
        }
        let end = remaining - length
        var properties = MQTTProperties()
        var seen = Set<UInt8>()
        while remaining > end {
            let raw = try readUInt8("property identifier")
            guard let id = MQTTPropertyID(rawValue: raw) else {
                throw .malformed("[MQTT §2.2.2.2] \(packet) has unknown property \(raw.hexString)")
            }
            guard id.isAllowed(in: context) else {
                throw .protocolViolation("[MQTT §2.2.2.2] \(packet) may not carry property \(id) (\(raw.hexString))")
            }
            guard seen.insert(raw).inserted || id.mayRepeat(in: context) else {
                throw .protocolViolation("[MQTT §3] \(packet) carries property \(id) more than once")
            }
            let value: MQTTPropertyValue
            switch id.kind {
            case .byte:
                let b = try readUInt8("\(id)")
                // Every byte property is a flag, or a maximum QoS of 0 or 1 (§3.2.2.3.4).
                guard b <= 1 else { throw .protocolViolation("[MQTT §3] \(packet) \(id) is \(b); it must be 0 or 1") }
                value = .integer(UInt32(b))
            case .twoByteInteger:
                let v = try readUInt16("\(id)")
                if id == .receiveMaximum && v == 0 {
                    throw .protocolViolation("[MQTT §3.1.2.11.3] \(packet) receive maximum is 0")
                }
                value = .integer(UInt32(v))
            case .fourByteInteger:
                let v = UInt32(try readUInt16("\(id)")) << 16 | UInt32(try readUInt16("\(id)"))
                if id == .maximumPacketSize && v == 0 {
                    throw .protocolViolation("[MQTT §3.1.2.11.4] \(packet) maximum packet size is 0")
                }
                value = .integer(v)
            case .variableByteInteger:
                let v = try readVarint("\(id)")
                if v == 0 { throw .protocolViolation("[MQTT §3.8.2.1.2] \(packet) subscription identifier is 0") }
                value = .integer(UInt32(v))
            case .string: value = .string(try readString("\(id)"))
            case .binary: value = .binary(try readBinary("\(id)"))
            case .stringPair: value = .pair(try readString("user property name"), try readString("user property value"))
            }
            properties.entries.append((id, value))
        }
        guard remaining == end else {
            throw .malformed("[MQTT §2.2.2.1] \(packet) property length \(length) ends inside a property")
        }
        return properties
    }
}
