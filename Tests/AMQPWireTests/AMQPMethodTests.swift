import AMQPValues
import AMQPWire
import Bytes
import Testing

@Suite("AMQP methods")
struct AMQPMethodTests {
    private static func encoded(_ method: AMQPMethod) -> ByteBuffer {
        var buffer = ByteBuffer()
        method.encode(into: &buffer)
        return buffer
    }

    @Test("every method round-trips through encode and decode", arguments: MethodSamples.all)
    func roundTrip(method: AMQPMethod) throws {
        var buffer = Self.encoded(method)
        #expect(buffer.peekInteger(as: UInt16.self) == method.classId)
        #expect(buffer.peekInteger(at: 2, as: UInt16.self) == method.methodId)
        let decoded = try AMQPMethod.decode(&buffer)
        #expect(decoded == method)
        #expect(buffer.readableBytes == 0)
    }

    @Test("the samples cover every method the decoder knows, and nothing else")
    func samplesCoverEveryMethod() {
        var known: Set<UInt32> = []
        for classId: UInt16 in 0...200 {
            for methodId: UInt16 in 0...200 {
                var buffer = ByteBuffer()
                buffer.writeInteger(classId)
                buffer.writeInteger(methodId)
                let error = wireError { _ = try AMQPMethod.decode(&buffer) }
                if error?.replyCode != ReplyCode.notImplemented {
                    known.insert(UInt32(classId) << 16 | UInt32(methodId))
                }
            }
        }
        let sampled = Set(MethodSamples.all.map { UInt32($0.classId) << 16 | UInt32($0.methodId) })
        #expect(known.count == 66)
        #expect(sampled == known)
        #expect(MethodSamples.all.count == 66)
    }

    @Test("every strict prefix of a method's arguments is a 502 syntax error", arguments: MethodSamples.all)
    func truncatedArguments(method: AMQPMethod) {
        let bytes = Self.encoded(method).readableBytesArray
        for cut in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            let error = wireError { _ = try AMQPMethod.decode(&buffer) }
            #expect(error?.replyCode == ReplyCode.syntaxError, "cut at \(cut) of \(bytes.count) bytes")
        }
    }

    @Test("a truncated basic.publish names the method in the error")
    func truncatedErrorNamesMethod() {
        var buffer = ByteBuffer(bytes: [0, 60, 0, 40, 0, 0, 5, 0x6C, 0x6F])
        let error = wireError { _ = try AMQPMethod.decode(&buffer) }
        #expect(error?.replyCode == 502)
        #expect(error?.message.hasPrefix("basic.publish: ") == true)
    }

    @Test("unknown classes and methods are 540 NOT_IMPLEMENTED")
    func unknownMethod() {
        for (classId, methodId): (UInt16, UInt16) in [(60, 41), (99, 10), (0, 0), (85, 12)] {
            var buffer = ByteBuffer()
            buffer.writeInteger(classId)
            buffer.writeInteger(methodId)
            buffer.writeBytes([0, 0, 0, 0])
            #expect(throws: AMQPWireError.notImplemented(classId: classId, methodId: methodId)) {
                try AMQPMethod.decode(&buffer)
            }
        }
    }

    @Test("trailing bytes after the arguments are ignored, as RabbitMQ does")
    func trailingBytesIgnored() throws {
        var buffer = Self.encoded(.basicAck(BasicAck(deliveryTag: 5, multiple: true)))
        buffer.writeBytes([1, 2, 3])
        #expect(try AMQPMethod.decode(&buffer) == .basicAck(BasicAck(deliveryTag: 5, multiple: true)))
    }

    @Test("basic.publish decodes from bytes a client writes (§4.2.5.2: bits packed LSB first)")
    func basicPublishKnownBytes() throws {
        let bytes: [UInt8] =
            [0, 60, 0, 40]  // basic.publish
            + [0, 0]  // ticket
            + [4] + Array("logs".utf8)  // exchange
            + [3] + Array("a.b".utf8)  // routing key
            + [0b0000_0001]  // mandatory = true, immediate = false
        var buffer = ByteBuffer(bytes: bytes)
        let method = try AMQPMethod.decode(&buffer)
        #expect(method == .basicPublish(BasicPublish(exchange: "logs", routingKey: "a.b", mandatory: true)))
        #expect(method.hasContent)
        #expect(Self.encoded(method).readableBytesArray == bytes)
    }

    @Test("queue.declare packs passive, durable, exclusive, auto-delete, nowait into one octet")
    func queueDeclareBits() {
        let method = AMQPMethod.queueDeclare(QueueDeclare(queue: "q", durable: true, autoDelete: true))
        let expected: [UInt8] = [0, 50, 0, 10, 0, 0, 1, UInt8(ascii: "q"), 0b0000_1010, 0, 0, 0, 0]
        #expect(Self.encoded(method).readableBytesArray == expected)
    }

    @Test("hasContent is true exactly for basic.publish, basic.return, basic.deliver and basic.get-ok")
    func hasContent() {
        let withContent = MethodSamples.all.filter(\.hasContent).map(\.name)
        #expect(withContent == ["basic.publish", "basic.return", "basic.deliver", "basic.get-ok"])
    }

    @Test("static ids match the enum's and RabbitMQ's quirks (exchange.unbind-ok is 40/51)")
    func ids() {
        #expect(BasicPublish.classId == 60 && BasicPublish.methodId == 40)
        #expect(ExchangeUnbindOk.classId == 40 && ExchangeUnbindOk.methodId == 51)
        #expect(ConfirmSelect.classId == 85 && ConfirmSelect.methodId == 10)
        #expect(AMQPMethod.basicNack(BasicNack()).methodId == 120)
        #expect(AMQPMethod.connectionUpdateSecret(ConnectionUpdateSecret(newSecret: [], reason: "")).name
            == "connection.update-secret")
    }

    @Test("short strings longer than 255 bytes are cut to 255 on encode")
    func longShortStringTruncated() throws {
        let long = ByteString([UInt8](repeating: UInt8(ascii: "k"), count: 300))
        var buffer = Self.encoded(.basicConsumeOk(BasicConsumeOk(consumerTag: long)))
        guard case .basicConsumeOk(let ok) = try AMQPMethod.decode(&buffer) else {
            Issue.record("decoded to another method")
            return
        }
        #expect(ok.consumerTag.bytes == Array(long.bytes.prefix(255)))
    }

    @Test("short strings are decoded as bytes, without UTF-8 validation")
    func shortStringNotValidated() throws {
        var buffer = ByteBuffer(bytes: [0, 60, 0, 21, 2, 0xFF, 0xFE])
        #expect(try AMQPMethod.decode(&buffer) == .basicConsumeOk(BasicConsumeOk(consumerTag: ByteString([0xFF, 0xFE]))))
    }
}
