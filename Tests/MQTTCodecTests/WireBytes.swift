import Bytes
import MQTTCodec

/// Helpers to write packets by hand, as the specification lays them out.
enum WireBytes {
    /// The bytes of an ASCII string.
    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// A two-byte length followed by the bytes (an MQTT string or binary field).
    static func field(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
    }

    /// A length-prefixed ASCII string.
    static func string(_ s: String) -> [UInt8] { field(ascii(s)) }

    /// A packet with a one-byte remaining length (bodies under 128 bytes).
    static func packet(_ firstByte: UInt8, _ body: [UInt8]) -> [UInt8] {
        precondition(body.count < 128)
        return [firstByte, UInt8(body.count)] + body
    }

    /// A CONNECT with the given protocol name, level, flags and payload; keep alive 60.
    static func connect(name: String = "MQTT", level: UInt8 = 4, flags: UInt8, payload: [UInt8]) -> [UInt8] {
        packet(0x10, string(name) + [level, flags, 0x00, 0x3C] + payload)
    }

    /// Feeds `bytes` to the decoder one byte at a time; returns every packet decoded, in order.
    static func decodeByteByByte(
        _ bytes: [UInt8], version: MQTTProtocolVersion?, maxPacketSize: Int = 1 << 20
    ) throws(MQTTProtocolError) -> [MQTTPacket] {
        var buffer = ByteBuffer()
        var packets: [MQTTPacket] = []
        for byte in bytes {
            buffer.writeUInt8(byte)
            if let packet = try MQTTDecoder.decode(&buffer, version: version, maxPacketSize: maxPacketSize) {
                packets.append(packet)
            }
        }
        return packets
    }
}
