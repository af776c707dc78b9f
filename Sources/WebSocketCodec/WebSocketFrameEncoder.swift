import Bytes

/// Writes server frames (RFC 6455 §5.2; a server never masks). No I/O.
///
/// MQTT packets are encoded straight into the outbound buffer between `beginBinaryFrame` and `endBinaryFrame`,
/// which put the frame header in front of them without a second buffer.
public enum WebSocketFrameEncoder {
    /// The header space `beginBinaryFrame` reserves: enough for payloads up to 65535 bytes.
    static let reserved = 4

    /// Starts a binary frame whose payload is what gets written to `out` until `endBinaryFrame`; returns the mark
    /// to pass to it.
    public static func beginBinaryFrame(_ out: inout ByteBuffer) -> Int {
        out.reserveBytes(reserved)
    }

    /// Finishes the frame begun at `mark`: writes its header, moving the payload by the bytes the header needs
    /// beyond or below the reserved four (2 for payloads under 126 bytes, 10 from 65536). An empty payload
    /// removes the frame altogether.
    public static func endBinaryFrame(_ out: inout ByteBuffer, _ mark: Int) {
        let length = out.writerIndex - mark - reserved
        if length == 0 {
            out.replaceBytes(at: mark, count: reserved, with: EmptyCollection())
        } else if length < 126 {
            withUnsafeBytes(of: (UInt8(0x82), UInt8(length))) { out.replaceBytes(at: mark, count: reserved, with: $0) }
        } else if length <= 0xFFFF {
            withUnsafeBytes(of: (UInt8(0x82), UInt8(126), UInt16(length).bigEndian)) {
                out.replaceBytes(at: mark, count: reserved, with: $0)
            }
        } else {
            withUnsafeBytes(of: (UInt8(0x82), UInt8(127), UInt64(length).bigEndian)) {
                out.replaceBytes(at: mark, count: reserved, with: $0.prefix(2) + $0.suffix(8))
            }
        }
    }

    /// Appends a whole frame with `opcode` (2 binary, 8 close, 9 ping, 10 pong) and `payload`.
    public static func writeFrame(opcode: UInt8, payload: [UInt8], into out: inout ByteBuffer) {
        out.writeUInt8(0x80 | opcode)
        let n = payload.count
        if n < 126 {
            out.writeUInt8(UInt8(n))
        } else if n <= 0xFFFF {
            out.writeUInt8(126)
            out.writeInteger(UInt16(n))
        } else {
            out.writeUInt8(127)
            out.writeInteger(UInt64(n))
        }
        out.writeBytes(payload)
    }

    /// Appends a client's frame: `payload` masked with `key` (§5.3), as a client must send it.
    public static func writeMaskedFrame(opcode: UInt8, payload: UnsafeRawBufferPointer, key: UInt32, into out: inout ByteBuffer) {
        out.writeUInt8(0x80 | opcode)
        let n = payload.count
        if n < 126 {
            out.writeUInt8(0x80 | UInt8(n))
        } else if n <= 0xFFFF {
            out.writeUInt8(0x80 | 126)
            out.writeInteger(UInt16(n))
        } else {
            out.writeUInt8(0x80 | 127)
            out.writeInteger(UInt64(n))
        }
        out.writeInteger(key)
        _ = out.writeWithUnsafeMutableBytes(maximum: n) { dst in
            for i in 0..<n { dst[i] = payload[i] ^ UInt8(truncatingIfNeeded: key >> (8 * UInt32(3 - (i & 3)))) }
            return n
        }
    }

    /// Appends a close frame with `code` and a reason cut to fit a control frame (125 bytes in all, §5.5).
    public static func writeClose(code: UInt16, reason: String, into out: inout ByteBuffer) {
        var text = Array(reason.utf8.prefix(123))
        while !text.isEmpty, String(validating: text, as: UTF8.self) == nil { text.removeLast() }
        writeFrame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)] + text, into: &out)
    }
}
