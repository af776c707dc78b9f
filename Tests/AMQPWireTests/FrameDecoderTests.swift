import AMQPValues
import AMQPWire
import Bytes
import Testing

@Suite("Frame decoder")
struct FrameDecoderTests {
    static let maxFrameSize = 131_072

    /// A realistic stream: a publish with content on channel 1, a heartbeat, an ack on channel 2, a close-ok.
    static let stream: [UInt8] = {
        var buffer = ByteBuffer()
        let body = Array("hello, frames".utf8)
        var properties = BasicProperties()
        properties.deliveryMode = 2
        properties.headers = ["k": .int32(1)]
        body.withUnsafeBytes {
            FrameEncoder.writeContent(
                .basicPublish(BasicPublish(exchange: "x", routingKey: "r")), properties: properties, body: $0,
                channel: 1, frameMax: 4096, into: &buffer)
        }
        FrameEncoder.writeHeartbeat(into: &buffer)
        FrameEncoder.writeMethod(.basicAck(BasicAck(deliveryTag: 9, multiple: true)), channel: 2, into: &buffer)
        FrameEncoder.writeMethod(.connectionCloseOk(ConnectionCloseOk()), channel: 0, into: &buffer)
        return buffer.readableBytesArray
    }()

    /// Feeds `chunks` one after another, decoding every complete frame after each, as a connection does.
    static func decode(chunks: [ArraySlice<UInt8>]) throws -> [Frame] {
        var buffer = ByteBuffer()
        var frames: [Frame] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let frame = try FrameDecoder.decode(&buffer, maxFrameSize: maxFrameSize) {
                frames.append(frame)
            }
            buffer.discardReadBytes()
        }
        #expect(buffer.readableBytes == 0)
        return frames
    }

    /// The byte length of each frame in `stream`, read from the frame headers.
    static var frameLengths: [Int] {
        var lengths: [Int] = []
        var at = 0
        while at < stream.count {
            let size = stream[at + 3..<at + 7].reduce(0) { $0 << 8 | Int($1) }
            lengths.append(size + 8)
            at += size + 8
        }
        return lengths
    }

    @Test("byte by byte, all at once and one frame per chunk give the same frames")
    func chunkingDoesNotMatter() throws {
        let all = try Self.decode(chunks: [Self.stream[...]])
        let byteByByte = try Self.decode(chunks: Self.stream.indices.map { Self.stream[$0...$0] })
        var perFrame: [ArraySlice<UInt8>] = []
        var at = 0
        for length in Self.frameLengths {
            perFrame.append(Self.stream[at..<at + length])
            at += length
        }
        let oneFramePerChunk = try Self.decode(chunks: perFrame)

        #expect(all.count == 6)
        #expect(byteByByte == all)
        #expect(oneFramePerChunk == all)
        #expect(all.map(\.type) == [.method, .header, .body, .heartbeat, .method, .method])
        #expect(all.map(\.channel) == [1, 1, 1, 0, 2, 0])
        #expect(all[2].payload.readableBytesArray == Array("hello, frames".utf8))
        var ack = all[4].payload
        #expect(try AMQPMethod.decode(&ack) == .basicAck(BasicAck(deliveryTag: 9, multiple: true)))
    }

    @Test("an incomplete frame returns nil and leaves the buffer as it was")
    func incompleteFrame() throws {
        for cut in [0, 1, 6, 7, 11] {
            var buffer = ByteBuffer(bytes: [1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 51, 0xCE].prefix(cut))
            #expect(try FrameDecoder.decode(&buffer, maxFrameSize: 4096) == nil)
            #expect(buffer.readableBytes == cut)
        }
    }

    @Test("a frame larger than the maximum throws as soon as its 7-byte header is there")
    func frameTooLarge() {
        var buffer = ByteBuffer(bytes: [3, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF])
        let error = wireError { _ = try FrameDecoder.decode(&buffer, maxFrameSize: Self.maxFrameSize) }
        #expect(error == .frameTooLarge(size: 0x7FFF_FFFF + 8, max: Self.maxFrameSize))
        #expect(error?.replyCode == ReplyCode.frameError)
    }

    @Test("a frame of exactly the maximum size is accepted; one byte more is not")
    func frameSizeBoundary() throws {
        var body = ByteBuffer()
        FrameEncoder.writeBody(UnsafeRawBufferPointer(start: nil, count: 0), channel: 1, frameMax: 4096, into: &body)
        #expect(body.readableBytes == 0)
        let payload = [UInt8](repeating: 7, count: 4096 - 8)
        payload.withUnsafeBytes { FrameEncoder.writeBody($0, channel: 1, frameMax: 4096, into: &body) }
        var exact = body
        #expect(try FrameDecoder.decode(&exact, maxFrameSize: 4096)?.payload.readableBytes == 4088)
        #expect(wireError { _ = try FrameDecoder.decode(&body, maxFrameSize: 4095) } == .frameTooLarge(size: 4096, max: 4095))
    }

    @Test("a frame that does not end in 0xCE is a frame error")
    func badFrameEnd() {
        var buffer = ByteBuffer(bytes: [1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 51, 0xCD])
        #expect(wireError { _ = try FrameDecoder.decode(&buffer, maxFrameSize: 4096) } == .badFrameEnd)
    }

    @Test("an unknown frame type is a frame error, detected from the first byte")
    func unknownFrameType() {
        var buffer = ByteBuffer(bytes: Array("AM".utf8))
        let error = wireError { _ = try FrameDecoder.decode(&buffer, maxFrameSize: 4096) }
        #expect(error == .unknownFrameType(0x41))
        #expect(error?.replyCode == 501)
    }

    @Test("method, heartbeat and protocol header bytes match the spec")
    func knownEncodings() {
        var buffer = ByteBuffer()
        FrameEncoder.writeMethod(.connectionCloseOk(ConnectionCloseOk()), channel: 0, into: &buffer)
        #expect(buffer.readableBytesArray == [1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 51, 0xCE])
        buffer.clear()
        FrameEncoder.writeHeartbeat(into: &buffer)
        #expect(buffer.readableBytesArray == [8, 0, 0, 0, 0, 0, 0, 0xCE])
        #expect(amqpProtocolHeader == [0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1])
    }
}
