import Bytes
import Testing

@testable import WebSocketCodec

/// A client frame: `opcode`, FIN, masked with `key`.
func clientFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D])
    -> [UInt8]
{
    var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    let n = payload.count
    if n < 126 {
        out.append(0x80 | UInt8(n))
    } else if n <= 0xFFFF {
        out += [0x80 | 126, UInt8(n >> 8), UInt8(n & 0xFF)]
    } else {
        out.append(0x80 | 127)
        for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: UInt64(n) >> (8 * UInt64(i)))) }
    }
    out += key
    out += payload.enumerated().map { $0.element ^ key[$0.offset & 3] }
    return out
}

@Suite("WebSocket frame decoder (RFC 6455 §5)")
struct WebSocketFrameDecoderTests {
    private var decoder = WebSocketFrameDecoder(maxFrameSize: 1 << 20, maxMessageSize: 4 << 20)

    /// Feeds `bytes` all at once or one byte at a time and returns the events and the data.
    private func run(_ bytes: [UInt8], byteByByte: Bool) throws(WebSocketError) -> ([WebSocketEvent], [UInt8]) {
        var d = decoder
        var input = ByteBuffer()
        var data = ByteBuffer()
        var events: [WebSocketEvent] = []
        let chunks = byteByByte ? bytes.map { [$0] } : [bytes]
        for chunk in chunks {
            input.writeBytes(chunk)
            while let e = try d.next(&input, data: &data) { events.append(e) }
        }
        #expect(input.readableBytes == 0)
        return (events, data.readableBytesArray)
    }

    private func refusal(_ bytes: [UInt8], _ decoder: WebSocketFrameDecoder? = nil) -> WebSocketError? {
        var d = decoder ?? self.decoder
        var input = ByteBuffer(bytes: bytes)
        var data = ByteBuffer()
        do {
            while try d.next(&input, data: &data) != nil {}
            return nil
        } catch {
            return error
        }
    }

    @Test("the RFC example masked Hello frame, sent as binary, unmasks to Hello, fed in bulk or byte by byte")
    func rfcExample() throws {
        let frame: [UInt8] = [0x82, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        for byByte in [false, true] {
            let (events, data) = try run(frame, byteByByte: byByte)
            #expect(events == [.data(count: 5)])
            #expect(data == Array("Hello".utf8))
        }
    }

    @Test("16-bit and 64-bit lengths, several frames in one read, fragments and control frames between them")
    func lengthsAndFragments() throws {
        let small = [UInt8](repeating: 1, count: 125)
        let medium = (0..<300).map { UInt8($0 & 0xFF) }
        let large = (0..<70_000).map { UInt8(($0 * 7) & 0xFF) }
        let bytes =
            clientFrame(0x2, small) + clientFrame(0x2, medium, fin: false) + clientFrame(0x9, Array("hi".utf8))
            + clientFrame(0x0, large, fin: false) + clientFrame(0xA, []) + clientFrame(0x0, [], fin: true)
        for byByte in [false, true] {
            let (events, data) = try run(bytes, byteByByte: byByte)
            #expect(
                events == [
                    .data(count: 125), .data(count: 300), .ping(payload: Array("hi".utf8)), .data(count: 70_000), .pong,
                    .data(count: 0),
                ])
            #expect(data == small + medium + large)
        }
    }

    @Test("close frames: empty, with a code and reason")
    func close() throws {
        #expect(try run(clientFrame(0x8, []), byteByByte: false).0 == [.close(code: nil, reason: "")])
        #expect(try run(clientFrame(0x8, [0x03, 0xE8] + Array("bye".utf8)), byteByByte: false).0 == [.close(code: 1000, reason: "bye")])
    }

    @Test("every broken rule is refused with its close code, before the payload is buffered")
    func refusals() {
        let unmasked: [UInt8] = [0x82, 0x01, 0x00]
        #expect(refusal(unmasked)?.closeCode == 1002)
        #expect(refusal([0xC2, 0x80, 0, 0, 0, 0])?.closeCode == 1002, "RSV1 set")
        #expect(refusal([0x83, 0x80, 0, 0, 0, 0])?.closeCode == 1002, "reserved opcode 3")
        #expect(refusal([0x8B, 0x80, 0, 0, 0, 0])?.closeCode == 1002, "reserved opcode 0xB")
        #expect(refusal(clientFrame(0x1, Array("text".utf8)))?.closeCode == 1003)
        #expect(refusal(clientFrame(0x9, [1], fin: false))?.closeCode == 1002, "fragmented ping")
        #expect(refusal(clientFrame(0x9, [UInt8](repeating: 0, count: 126)))?.closeCode == 1002, "ping over 125")
        #expect(refusal(clientFrame(0x0, [1]))?.closeCode == 1002, "continuation without a message")
        #expect(refusal(clientFrame(0x2, [1], fin: false) + clientFrame(0x2, [2]))?.closeCode == 1002)
        #expect(refusal(clientFrame(0x8, [0x03]))?.closeCode == 1002, "1-byte close body")
        #expect(refusal(clientFrame(0x8, [0x03, 0xED]))?.closeCode == 1002, "close code 1005 on the wire")
        #expect(refusal(clientFrame(0x8, [0x03, 0xE8, 0xFF]))?.closeCode == 1007, "reason not UTF-8")
        // 2^63 and a length just over the limit are refused from the header alone (no payload follows).
        #expect(refusal([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0])?.closeCode == 1002)
        #expect(refusal([0x82, 0xFF, 0, 0, 0, 0, 0, 0x10, 0, 1])?.closeCode == 1009)
        let tight = WebSocketFrameDecoder(maxFrameSize: 100, maxMessageSize: 250)
        #expect(refusal([0x82, 0xFE, 0x00, 0x65], tight)?.closeCode == 1009, "101 bytes over a 100-byte limit")
        let endless = (0..<3).flatMap { _ in clientFrame(0x0, [UInt8](repeating: 0, count: 100), fin: false) }
        #expect(refusal(clientFrame(0x2, [], fin: false) + endless, tight)?.closeCode == 1009, "endless continuation")
    }

    @Test("close codes allowed on the wire")
    func closeCodes() {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999] {
            #expect(WebSocketFrameDecoder.isValidCloseCode(code))
        }
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1012, 1015, 2999, 5000] {
            #expect(!WebSocketFrameDecoder.isValidCloseCode(code))
        }
    }
}
