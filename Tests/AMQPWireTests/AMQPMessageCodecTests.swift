import AMQPModel
import AMQPValues
import AMQPWire
import Bytes
import Testing

@Suite struct AMQPMessageCodecTests {
    @Test("a message survives encode and decode with every field")
    func roundTrip() throws {
        var props = BasicProperties()
        props.deliveryMode = 2
        props.headers = ["x-mqtt-publish-qos": .int8(1), "nested": .table(["a": .bool(true)])]
        props.expiration = "60000"
        let original = Message(exchange: "amq.topic", routingKey: "a.b", properties: props, body: Array(0..<200))
        let codec = AMQPMessageCodec()
        var buf = ByteBuffer()
        codec.encode(original, into: &buf)
        let decoded = try #require(codec.decode(&buf))
        #expect(decoded.exchange == original.exchange)
        #expect(decoded.routingKey == original.routingKey)
        #expect(decoded.properties == original.properties)
        #expect(decoded.body == original.body)
    }

    @Test("truncated, padded or unknown-format records are refused")
    func malformedRecords() {
        let codec = AMQPMessageCodec()
        var buf = ByteBuffer()
        codec.encode(Message(exchange: "", routingKey: "q", properties: BasicProperties(), body: [1, 2, 3]), into: &buf)
        let bytes = buf.readableBytesArray
        for cut in 0..<bytes.count {
            var truncated = ByteBuffer(bytes: bytes[0..<cut])
            #expect(codec.decode(&truncated) == nil, "cut at \(cut)")
        }
        var padded = ByteBuffer(bytes: bytes + [0])
        #expect(codec.decode(&padded) == nil)
        var otherFormat = ByteBuffer(bytes: [2] + bytes.dropFirst())
        #expect(codec.decode(&otherFormat) == nil)
    }
}
