import AMQPValues
import AMQPWire
import Bytes
import Testing

@Suite("Content headers and bodies")
struct ContentTests {
    /// Every basic property with a value set, and the property-flags bit it must set (AMQP 0-9-1 §4.2.6.1).
    static let singleProperties: [(name: String, flag: UInt16, set: @Sendable (inout BasicProperties) -> Void)] = [
        ("content-type", 0x8000, { $0.contentType = "application/json" }),
        ("content-encoding", 0x4000, { $0.contentEncoding = "gzip" }),
        ("headers", 0x2000, { $0.headers = ["x-mqtt-publish-qos": .uint8(1), "list": .array([.string("a")])] }),
        ("delivery-mode", 0x1000, { $0.deliveryMode = 2 }),
        ("priority", 0x0800, { $0.priority = 9 }),
        ("correlation-id", 0x0400, { $0.correlationId = "corr-1" }),
        ("reply-to", 0x0200, { $0.replyTo = "amq.rabbitmq.reply-to" }),
        ("expiration", 0x0100, { $0.expiration = "60000" }),
        ("message-id", 0x0080, { $0.messageId = "msg-1" }),
        ("timestamp", 0x0040, { $0.timestamp = 1_700_000_000 }),
        ("type", 0x0020, { $0.type = "order.created" }),
        ("user-id", 0x0010, { $0.userId = "guest" }),
        ("app-id", 0x0008, { $0.appId = "gatewayperf" }),
        ("cluster-id", 0x0004, { $0.clusterId = "c1" }),
    ]

    static func roundTrip(_ properties: BasicProperties) throws -> (flags: UInt16?, decoded: BasicProperties) {
        var buffer = ByteBuffer()
        properties.encode(into: &buffer)
        let flags = buffer.peekInteger(as: UInt16.self)
        let decoded = try BasicProperties.decode(&buffer)
        #expect(buffer.readableBytes == 0)
        return (flags, decoded)
    }

    @Test("each property alone round-trips and sets only its own flag bit")
    func eachPropertyAlone() throws {
        #expect(Self.singleProperties.count == 14)
        for property in Self.singleProperties {
            var properties = BasicProperties()
            property.set(&properties)
            let (flags, decoded) = try Self.roundTrip(properties)
            #expect(flags == property.flag, "\(property.name)")
            #expect(decoded == properties, "\(property.name)")
        }
    }

    @Test("all properties together round-trip; none at all is just a zero flags word")
    func allProperties() throws {
        var properties = BasicProperties()
        for property in Self.singleProperties {
            property.set(&properties)
        }
        let (flags, decoded) = try Self.roundTrip(properties)
        #expect(flags == 0xFFFC)
        #expect(decoded == properties)

        var empty = ByteBuffer()
        BasicProperties().encode(into: &empty)
        #expect(empty.readableBytesArray == [0, 0])
    }

    @Test("property flags with the continuation bit set are a 502 syntax error")
    func continuationBit() {
        var buffer = ByteBuffer(bytes: [0x10, 0x01, 2])
        #expect(wireError { _ = try BasicProperties.decode(&buffer) }?.replyCode == ReplyCode.syntaxError)
    }

    @Test("a content header decodes from known bytes and re-encodes to them")
    func contentHeaderKnownBytes() throws {
        let bytes: [UInt8] =
            [0, 60, 0, 0]  // class basic, weight 0
            + [0, 0, 0, 0, 0, 0, 1, 0]  // body size 256
            + [0x90, 0x00]  // content-type and delivery-mode
            + [10] + Array("text/plain".utf8) + [2]
        var buffer = ByteBuffer(bytes: bytes)
        let header = try ContentHeader.decode(&buffer)
        var expected = BasicProperties()
        expected.contentType = "text/plain"
        expected.deliveryMode = 2
        #expect(header == ContentHeader(bodySize: 256, properties: expected))
        var out = ByteBuffer()
        header.encode(into: &out)
        #expect(out.readableBytesArray == bytes)
    }

    @Test("a truncated content header is a 502 syntax error")
    func truncatedContentHeader() {
        let bytes: [UInt8] = [0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0x80, 0x00, 4, 0x61]
        for cut in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes.prefix(cut))
            let error = wireError { _ = try ContentHeader.decode(&buffer) }
            #expect(error?.replyCode == ReplyCode.syntaxError, "cut at \(cut)")
        }
    }

    /// Decodes every frame in `buffer`.
    static func frames(in buffer: inout ByteBuffer, maxFrameSize: Int) throws -> [Frame] {
        var frames: [Frame] = []
        while let frame = try FrameDecoder.decode(&buffer, maxFrameSize: maxFrameSize) {
            frames.append(frame)
        }
        #expect(buffer.readableBytes == 0)
        return frames
    }

    @Test("a 5 MiB body with frame_max 131072 is split into ceil(5 MiB / 131064) frames that reassemble")
    func largeBodySplit() throws {
        let body = (0..<5 * 1024 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frameMax = 131_072
        let delivery = AMQPMethod.basicDeliver(
            BasicDeliver(consumerTag: "c", deliveryTag: 1, exchange: "x", routingKey: "k"))
        var properties = BasicProperties()
        properties.messageId = "big"
        var buffer = ByteBuffer()
        body.withUnsafeBytes {
            FrameEncoder.writeContent(
                delivery, properties: properties, body: $0, channel: 3, frameMax: frameMax, into: &buffer)
        }

        let frames = try Self.frames(in: &buffer, maxFrameSize: frameMax)
        let bodyFrames = frames.dropFirst(2)
        #expect(bodyFrames.count == (body.count + 131_063) / 131_064)
        #expect(bodyFrames.count == 41)
        #expect(frames.allSatisfy { $0.channel == 3 })
        #expect(bodyFrames.allSatisfy { $0.type == .body && $0.payload.readableBytes <= frameMax - 8 })

        var method = frames[0].payload
        #expect(try AMQPMethod.decode(&method) == delivery)
        var headerPayload = frames[1].payload
        #expect(
            try ContentHeader.decode(&headerPayload)
                == ContentHeader(bodySize: UInt64(body.count), properties: properties))
        #expect(bodyFrames.flatMap(\.payload.readableBytesArray) == body)
    }

    @Test("an empty body gives a method and a header frame and no body frame")
    func emptyBody() throws {
        var buffer = ByteBuffer()
        FrameEncoder.writeContent(
            .basicPublish(BasicPublish(routingKey: "q")), properties: BasicProperties(),
            body: UnsafeRawBufferPointer(start: nil, count: 0), channel: 1, frameMax: 4096, into: &buffer)
        let frames = try Self.frames(in: &buffer, maxFrameSize: 4096)
        #expect(frames.map(\.type) == [.method, .header])
        var header = frames[1].payload
        #expect(try ContentHeader.decode(&header).bodySize == 0)
    }

    @Test("frame_max 0 puts the whole body in one frame; an exact multiple needs no extra frame")
    func bodySplitEdges() throws {
        let body = [UInt8](repeating: 0x5A, count: 2 * 4088)
        var unlimited = ByteBuffer()
        body.withUnsafeBytes { FrameEncoder.writeBody($0, channel: 1, frameMax: 0, into: &unlimited) }
        #expect(try Self.frames(in: &unlimited, maxFrameSize: 1 << 20).map(\.payload.readableBytes) == [8176])

        var exact = ByteBuffer()
        body.withUnsafeBytes { FrameEncoder.writeBody($0, channel: 1, frameMax: 4096, into: &exact) }
        #expect(try Self.frames(in: &exact, maxFrameSize: 4096).map(\.payload.readableBytes) == [4088, 4088])
    }

    @Test("writeHeader frames a content header")
    func writeHeader() throws {
        var properties = BasicProperties()
        properties.priority = 3
        let header = ContentHeader(bodySize: 12, properties: properties)
        var buffer = ByteBuffer()
        FrameEncoder.writeHeader(header, channel: 7, into: &buffer)
        let frames = try Self.frames(in: &buffer, maxFrameSize: 4096)
        #expect(frames.count == 1)
        #expect(frames[0].type == .header && frames[0].channel == 7)
        var payload = frames[0].payload
        #expect(try ContentHeader.decode(&payload) == header)
    }
}

@Suite struct DeliverFastPathTests {
    @Test("writeDeliver produces exactly what writeContent(.basicDeliver) produces")
    func writeDeliverMatchesGenericEncoding() {
        var props = BasicProperties()
        props.contentType = "text/plain"
        props.deliveryMode = 2
        props.headers = ["k": .int32(7)]
        let body = Array(repeating: UInt8(0x5A), count: 10_000)
        var fast = ByteBuffer()
        var generic = ByteBuffer()
        body.withUnsafeBytes { raw in
            FrameEncoder.writeDeliver(
                consumerTag: "ctag", deliveryTag: 42, redelivered: true, exchange: "ex", routingKey: "rk",
                properties: props, body: raw, channel: 3, frameMax: 4096, into: &fast)
            FrameEncoder.writeContent(
                .basicDeliver(
                    BasicDeliver(consumerTag: "ctag", deliveryTag: 42, redelivered: true, exchange: "ex", routingKey: "rk")),
                properties: props, body: raw, channel: 3, frameMax: 4096, into: &generic)
        }
        #expect(fast == generic)
    }
}
