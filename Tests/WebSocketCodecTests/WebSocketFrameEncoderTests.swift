import Bytes
import Testing

@testable import WebSocketCodec

@Suite("WebSocket frame encoder")
struct WebSocketFrameEncoderTests {
    /// Reads one unmasked server frame: (opcode, payload).
    private func read(_ bytes: [UInt8]) -> (UInt8, [UInt8])? {
        guard bytes.count >= 2, bytes[1] & 0x80 == 0 else { return nil }
        var length = Int(bytes[1])
        var at = 2
        if length == 126 {
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            at = 4
        } else if length == 127 {
            length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
            at = 10
        }
        guard bytes.count == at + length else { return nil }
        return (bytes[0], Array(bytes[at...]))
    }

    @Test("a frame begun before an encoder wrote its payload gets the right header for 0 to 65 536 bytes")
    func wraps() {
        for size in [1, 125, 126, 65_535, 65_536] {
            var out = ByteBuffer()
            out.writeBytes([9, 9])
            let mark = WebSocketFrameEncoder.beginBinaryFrame(&out)
            let payload = (0..<size).map { UInt8($0 & 0xFF) }
            out.writeBytes(payload)
            WebSocketFrameEncoder.endBinaryFrame(&out, mark)
            let bytes = out.readableBytesArray
            #expect(bytes.prefix(2) == [9, 9])
            let frame = read(Array(bytes.dropFirst(2)))
            #expect(frame?.0 == 0x82, "size \(size)")
            #expect(frame?.1 == payload, "size \(size)")
        }
        var empty = ByteBuffer()
        WebSocketFrameEncoder.endBinaryFrame(&empty, WebSocketFrameEncoder.beginBinaryFrame(&empty))
        #expect(empty.readableBytes == 0)
    }

    @Test("close frames carry the code and a reason cut to fit 125 bytes on a character boundary")
    func close() {
        var out = ByteBuffer()
        WebSocketFrameEncoder.writeClose(code: 1002, reason: String(repeating: "é", count: 100), into: &out)
        let frame = read(out.readableBytesArray)
        #expect(frame?.0 == 0x88)
        #expect(frame.map { $0.1.count <= 125 } == true)
        #expect(frame.map { Array($0.1.prefix(2)) } == [0x03, 0xEA])
        #expect(frame.map { String(validating: $0.1.dropFirst(2), as: UTF8.self) != nil } == true)
    }

    @Test("what the encoder writes, masked by a client, decodes to the same payload")
    func roundTrip() throws {
        var out = ByteBuffer()
        WebSocketFrameEncoder.writeFrame(opcode: 0x2, payload: Array("round trip".utf8), into: &out)
        let (opcode, payload) = try #require(read(out.readableBytesArray))
        var decoder = WebSocketFrameDecoder(maxFrameSize: 100, maxMessageSize: 100)
        var input = ByteBuffer(bytes: clientFrame(opcode & 0x0F, payload))
        var data = ByteBuffer()
        #expect(try decoder.next(&input, data: &data) == .data(count: 10))
        #expect(data.readableBytesArray == Array("round trip".utf8))
    }
}
