import AMQPValues
import AMQPWire
import Bytes
import Testing

@Suite struct AMQPMessageRecordTests {
    @Test("a message survives encode and decode with every field")
    func roundTrip() throws {
        var props = BasicProperties()
        props.deliveryMode = 2
        props.headers = ["x-mqtt-publish-qos": .int8(1), "nested": .table(["a": .bool(true)])]
        props.expiration = "60000"
        let original = AMQPMessageRecord(
            exchange: "amq.topic", routingKey: "a.b", properties: props, body: Array(0..<200))
        var buf = ByteBuffer()
        AMQPMessageRecord.encode(
            exchange: original.exchange, routingKey: original.routingKey, properties: original.properties,
            body: original.body, into: &buf)
        #expect(AMQPMessageRecord.decode(&buf) == original)
    }

    @Test("the layout is format 1, exchange, routing key, content-header properties, body size, body")
    func layout() {
        var props = BasicProperties()
        props.deliveryMode = 2
        var buf = ByteBuffer()
        AMQPMessageRecord.encode(exchange: "x", routingKey: "k", properties: props, body: [7, 8], into: &buf)
        #expect(buf.readableBytesArray == [1, 1, 0x78, 1, 0x6B, 0x10, 0x00, 2, 0, 0, 0, 2, 7, 8])
    }

    @Test("truncated, padded or unknown-format records are refused")
    func malformedRecords() {
        var buf = ByteBuffer()
        AMQPMessageRecord.encode(
            exchange: "", routingKey: "q", properties: BasicProperties(), body: [1, 2, 3], into: &buf)
        let bytes = buf.readableBytesArray
        for cut in 0..<bytes.count {
            var truncated = ByteBuffer(bytes: bytes[0..<cut])
            #expect(AMQPMessageRecord.decode(&truncated) == nil, "cut at \(cut)")
        }
        var padded = ByteBuffer(bytes: bytes + [0])
        #expect(AMQPMessageRecord.decode(&padded) == nil)
        var otherFormat = ByteBuffer(bytes: [2] + bytes.dropFirst())
        #expect(AMQPMessageRecord.decode(&otherFormat) == nil)
    }
}
