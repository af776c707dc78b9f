import Bytes

/// Cuts the frames a client sends (RFC 6455 §5) out of the bytes received, unmasks the payload of data frames
/// straight into the buffer the MQTT decoder reads, and reports control frames. No I/O. A client (the load
/// generator) decodes the server's frames with `masked: false`: servers never mask.
///
/// MQTT over WebSocket is a byte stream in binary messages: message boundaries do not matter, so fragments are
/// passed on as they come, and only their total per message is limited. A frame is refused as soon as its header
/// shows it breaks a rule or is longer than `maxFrameSize`, before its payload is buffered: the input never holds
/// more than one frame header and `maxFrameSize` bytes.
public struct WebSocketFrameDecoder: Sendable {
    /// The largest frame payload accepted (the MQTT maximum packet size).
    public let maxFrameSize: Int
    /// The largest binary message, summed over its fragments.
    public let maxMessageSize: Int
    /// True on the server side: every frame must be masked (§5.1); false on the client side: none may be.
    public let masked: Bool
    /// Bytes of the binary message in progress (nil: no message is fragmented now).
    private var messageSoFar: Int?

    public init(maxFrameSize: Int, maxMessageSize: Int, masked: Bool = true) {
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
        self.masked = masked
    }

    private enum Opcode: UInt8 {
        case continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA
    }

    /// Decodes the frame at the front of `input`, consuming it. Returns nil, leaving `input` untouched, until the
    /// whole frame is buffered. Data frames append their unmasked payload to `data`.
    public mutating func next(_ input: inout ByteBuffer, data: inout ByteBuffer) throws(WebSocketError) -> WebSocketEvent? {
        guard let b0 = input.peekUInt8(), let b1 = input.peekUInt8(at: 1) else { return nil }
        guard b0 & 0x70 == 0 else { throw Self.violation("[RFC 6455 §5.2] a reserved bit (RSV1-3) is set") }
        guard let opcode = Opcode(rawValue: b0 & 0x0F) else {
            throw Self.violation("[RFC 6455 §5.2] opcode \(b0 & 0x0F) is reserved")
        }
        let fin = b0 & 0x80 != 0
        guard (b1 & 0x80 != 0) == masked else {
            throw Self.violation(masked ? "[RFC 6455 §5.1] a client frame is not masked" : "[RFC 6455 §5.1] a server frame is masked")
        }
        var headerSize = 2
        var length = Int(b1 & 0x7F)
        if length == 126 {
            guard let hi = input.peekUInt8(at: 2), let lo = input.peekUInt8(at: 3) else { return nil }
            length = Int(hi) << 8 | Int(lo)
            headerSize = 4
        } else if length == 127 {
            var l: UInt64 = 0
            for i in 0..<8 {
                guard let b = input.peekUInt8(at: 2 + i) else { return nil }
                l = l << 8 | UInt64(b)
            }
            guard l >> 63 == 0 else {
                throw Self.violation("[RFC 6455 §5.2] a 64-bit payload length has its most significant bit set")
            }
            guard l <= UInt64(maxFrameSize) else { throw Self.tooBig(frame: l, limit: maxFrameSize) }
            length = Int(l)
            headerSize = 10
        }
        let isControl = opcode.rawValue & 0x8 != 0
        if isControl {
            guard fin else { throw Self.violation("[RFC 6455 §5.5] a control frame is fragmented") }
            guard length <= 125 else {
                throw Self.violation("[RFC 6455 §5.5] a control frame carries \(length) bytes, more than 125")
            }
        } else {
            guard length <= maxFrameSize else { throw Self.tooBig(frame: UInt64(length), limit: maxFrameSize) }
            switch opcode {
            case .continuation:
                guard messageSoFar != nil else {
                    throw Self.violation("[RFC 6455 §5.4] a continuation frame with no message in progress")
                }
            case .text:
                throw WebSocketError(
                    closeCode: WebSocketError.unsupportedData,
                    message: "[RFC 6455 §5.6] a text frame: MQTT is carried in binary messages only")
            default:
                guard messageSoFar == nil else {
                    throw Self.violation("[RFC 6455 §5.4] a new message starts before the fragmented one ended")
                }
            }
            let total = (messageSoFar ?? 0) + length
            guard total <= maxMessageSize else {
                throw WebSocketError(
                    closeCode: WebSocketError.messageTooBig,
                    message: "[RFC 6455 §10.4] a fragmented message passes \(maxMessageSize) bytes")
            }
        }
        let maskSize = masked ? 4 : 0
        let frameSize = headerSize + maskSize + length
        guard input.readableBytes >= frameSize else { return nil }
        let maskAt = headerSize
        switch opcode {
        case .continuation, .binary:
            _ = input.withReadableBytes { src in
                data.writeWithUnsafeMutableBytes(maximum: length) { dst in
                    Self.unmask(src, maskAt: maskAt, masked: maskSize > 0, length: length, into: dst)
                    return length
                }
            }
            input.moveReaderIndex(forwardBy: frameSize)
            messageSoFar = fin ? nil : (messageSoFar ?? 0) + length
            return .data(count: length)
        default:
            var body = [UInt8](repeating: 0, count: length)
            input.withReadableBytes { src in
                body.withUnsafeMutableBytes {
                    Self.unmask(src, maskAt: maskAt, masked: maskSize > 0, length: length, into: $0)
                }
            }
            input.moveReaderIndex(forwardBy: frameSize)
            switch opcode {
            case .ping: return .ping(payload: body)
            case .close: return try Self.close(body)
            default: return .pong
            }
        }
    }

    /// XORs the `length` payload bytes after the 4-byte mask at `maskAt` in `src` into `dst` (§5.3), eight bytes at
    /// a time; an unmasked payload (at `maskAt`) is copied.
    private static func unmask(
        _ src: UnsafeRawBufferPointer, maskAt: Int, masked: Bool, length: Int, into dst: UnsafeMutableRawBufferPointer
    ) {
        guard masked else {
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[maskAt..<maskAt + length]))
            return
        }
        // The key's bytes in memory order, so a little-endian load lines each payload byte up with its key byte.
        let key = UInt32(littleEndian: src.loadUnaligned(fromByteOffset: maskAt, as: UInt32.self))
        let word = UInt64(key) | UInt64(key) << 32
        let from = maskAt + 4
        var i = 0
        while i + 8 <= length {
            let v = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: from + i, as: UInt64.self)) ^ word
            dst.storeBytes(of: v.littleEndian, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < length {
            dst[i] = src[from + i] ^ UInt8(truncatingIfNeeded: key >> (8 * UInt32(i & 3)))
            i += 1
        }
    }

    /// A close frame's body: empty, or a code allowed on the wire and a UTF-8 reason (§5.5.1, §7.4).
    private static func close(_ body: [UInt8]) throws(WebSocketError) -> WebSocketEvent {
        guard !body.isEmpty else { return .close(code: nil, reason: "") }
        guard body.count >= 2 else { throw violation("[RFC 6455 §5.5.1] a close frame with a 1-byte body") }
        let code = UInt16(body[0]) << 8 | UInt16(body[1])
        guard isValidCloseCode(code) else {
            throw violation("[RFC 6455 §7.4.1] close code \(code) may not be sent on the wire")
        }
        let reason = Array(body[2...])
        guard let text = String(validating: reason, as: UTF8.self) else {
            throw WebSocketError(
                closeCode: WebSocketError.invalidPayload, message: "[RFC 6455 §5.5.1] the close reason is not UTF-8")
        }
        return .close(code: code, reason: text)
    }

    /// Codes an endpoint may put in a close frame: 1000-1003, 1007-1011 (IANA registry), and 3000-4999.
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: true
        default: false
        }
    }

    private static func violation(_ message: String) -> WebSocketError {
        WebSocketError(closeCode: WebSocketError.protocolError, message: message)
    }

    private static func tooBig(frame: UInt64, limit: Int) -> WebSocketError {
        WebSocketError(
            closeCode: WebSocketError.messageTooBig,
            message: "[RFC 6455 §10.4] a frame of \(frame) bytes passes the limit of \(limit) bytes")
    }
}
