import Bytes

/// Writers for the MQTT data representations (MQTT 3.1.1 §1.5, §2.2.3) used by the packet encoders.
extension ByteBuffer {
    /// Number of bytes the remaining-length varint takes for `value` (1 to 4).
    static func mqttVarintSize(_ value: Int) -> Int {
        switch value {
        case ..<128: 1
        case ..<16_384: 2
        case ..<2_097_152: 3
        default: 4
        }
    }

    /// Writes the fixed header: the type-and-flags byte and the remaining length as a varint of 7 bits per byte,
    /// least significant group first, bit 7 set on all but the last byte (MQTT 3.1.1 §2.2.3).
    mutating func writeMQTTFixedHeader(_ type: MQTTPacketType, flags: UInt8 = 0, remainingLength: Int) {
        precondition(
            remainingLength >= 0 && remainingLength <= MQTTEncoder.maxRemainingLength,
            "MQTT packet body of \(remainingLength) bytes exceeds the 268435455 bytes a remaining length can express")
        writeUInt8(type.rawValue << 4 | flags)
        writeMQTTVarint(remainingLength)
    }

    /// Writes a two-byte length and the bytes (a UTF-8 string or binary data, MQTT 3.1.1 §1.5.3).
    mutating func writeMQTTLengthPrefixed(_ bytes: [UInt8]) {
        precondition(bytes.count <= 65_535, "MQTT string or binary field of \(bytes.count) bytes exceeds 65535")
        writeInteger(UInt16(bytes.count))
        writeBytes(bytes)
    }

    /// Writes a packet whose body is only a packet identifier (PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK).
    mutating func writeMQTTPacketIdOnly(_ type: MQTTPacketType, packetId: UInt16) {
        reserveCapacity(minimumWritableBytes: 4)
        writeMQTTFixedHeader(type, flags: type.requiredFlags ?? 0, remainingLength: 2)
        writeInteger(packetId)
    }
}
