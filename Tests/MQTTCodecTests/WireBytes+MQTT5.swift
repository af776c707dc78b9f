import Bytes
import MQTTCodec

/// Helpers to write MQTT 5 packets by hand, as MQTT 5.0 §1.5 and §3 lay them out.
extension WireBytes {
    /// A variable byte integer in the fewest bytes (MQTT 5.0 §1.5.5).
    static func varint(_ value: Int) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value > 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value > 0
        return bytes
    }

    /// A property list: the property length, then the properties' bytes.
    static func properties(_ bytes: [UInt8]) -> [UInt8] { varint(bytes.count) + bytes }

    /// A packet with a remaining length of any size.
    static func packet5(_ firstByte: UInt8, _ body: [UInt8]) -> [UInt8] { [firstByte] + varint(body.count) + body }

    /// An MQTT 5 CONNECT: "MQTT", level 5, the flags, keep alive 60, the property list, then the payload.
    static func connect5(flags: UInt8, properties: [UInt8] = [0x00], payload: [UInt8]) -> [UInt8] {
        packet5(0x10, string("MQTT") + [0x05, flags, 0x00, 0x3C] + properties + payload)
    }

    /// Decodes `bytes` as an MQTT 5 client's connection does: a CONNECT when `version` is nil (accepting level 5),
    /// then the packets of the session the CONNECT opened. Fed all at once, or one byte at a time.
    static func decode5(
        _ bytes: [UInt8], version: MQTTProtocolVersion?, byteByByte: Bool, maxPacketSize: Int = 1 << 20
    ) throws(MQTTProtocolError) -> [MQTTPacket] {
        var buffer = ByteBuffer()
        var version = version
        var packets: [MQTTPacket] = []
        let chunks = byteByByte ? bytes.map { [$0] } : [bytes]
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let packet = try MQTTDecoder.decode(
                &buffer, version: version, maxPacketSize: maxPacketSize, acceptsMQTT5: true)
            {
                if case .connect(let connect) = packet { version = connect.protocolVersion }
                packets.append(packet)
            }
        }
        return packets
    }

    /// `packet` encoded in an MQTT 5 session.
    static func encode5(_ packet: MQTTPacket) -> [UInt8] {
        var buffer = ByteBuffer()
        MQTTEncoder.encode(packet, version: .v5, into: &buffer)
        return buffer.readableBytesArray
    }
}
