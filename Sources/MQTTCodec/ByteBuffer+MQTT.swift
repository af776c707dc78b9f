import Bytes

/// Writers for the MQTT data representations (MQTT 3.1.1 §1.5, §2.2.3; MQTT 5.0 §1.5) used by the packet encoders.
extension ByteBuffer {
    /// Number of bytes a variable byte integer (a remaining length, an MQTT 5 property length) takes for `value`
    /// (1 to 4).
    static func mqttVarintSize(_ value: Int) -> Int {
        switch value {
        case ..<128: 1
        case ..<16_384: 2
        case ..<2_097_152: 3
        default: 4
        }
    }

    /// Writes the fixed header: the type-and-flags byte and the remaining length.
    mutating func writeMQTTFixedHeader(_ type: MQTTPacketType, flags: UInt8 = 0, remainingLength: Int) {
        precondition(
            remainingLength >= 0 && remainingLength <= MQTTEncoder.maxRemainingLength,
            "MQTT packet body of \(remainingLength) bytes exceeds the 268435455 bytes a remaining length can express")
        writeUInt8(type.rawValue << 4 | flags)
        writeMQTTVarint(remainingLength)
    }

    /// Writes a variable byte integer: 7 bits per byte, least significant group first, bit 7 set on all but the last
    /// byte (MQTT 3.1.1 §2.2.3, MQTT 5.0 §1.5.5), in the fewest bytes that hold `value`.
    mutating func writeMQTTVarint(_ value: Int) {
        var value = value
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value > 0 { byte |= 0x80 }
            writeUInt8(byte)
        } while value > 0
    }

    /// Writes a two-byte length and the bytes (a UTF-8 string or binary data, MQTT 3.1.1 §1.5.3).
    mutating func writeMQTTLengthPrefixed(_ bytes: [UInt8]) {
        precondition(bytes.count <= 65_535, "MQTT string or binary field of \(bytes.count) bytes exceeds 65535")
        writeInteger(UInt16(bytes.count))
        writeBytes(bytes)
    }

    /// Writes PUBACK, PUBREC, PUBREL or PUBCOMP (and an MQTT 3.x UNSUBACK): the packet identifier, then in MQTT 5
    /// the reason code and properties in the shortest form MQTT 5.0 §3.4.2 allows: both omitted for Success without
    /// properties, the property length omitted when there are no properties. MQTT 3.x has neither.
    mutating func writeMQTTAcknowledgement(
        _ type: MQTTPacketType, packetId: UInt16, reasonCode: MQTTReasonCode, properties: MQTTProperties,
        version: MQTTProtocolVersion
    ) {
        let flags = type.requiredFlags ?? 0
        guard version == .v5 && !(reasonCode == .success && properties.isEmpty) else {
            reserveCapacity(minimumWritableBytes: 4)
            writeMQTTFixedHeader(type, flags: flags, remainingLength: 2)
            writeInteger(packetId)
            return
        }
        let propertiesSize = properties.bodySize
        let length = 3 + (properties.isEmpty ? 0 : ByteBuffer.mqttVarintSize(propertiesSize) + propertiesSize)
        reserveCapacity(minimumWritableBytes: 1 + ByteBuffer.mqttVarintSize(length) + length)
        writeMQTTFixedHeader(type, flags: flags, remainingLength: length)
        writeInteger(packetId)
        writeUInt8(reasonCode.rawValue)
        if !properties.isEmpty { properties.encode(bodySize: propertiesSize, into: &self) }
    }
}
