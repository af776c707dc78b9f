import AMQPModel
import AMQPWire
import Bytes

/// The message store's record format: `AMQPWire.AMQPMessageRecord` (AMQP encodings of the properties), handed to
/// the core as its `MessageCodec`. It lives here, in the wiring, because the core knows no wire format and the wire
/// format knows no core `Message`.
struct AMQPMessageCodec: MessageCodec {
    /// The broker's alarm the decoded messages count against.
    let alarm: ResourceAlarm

    func encode(_ message: Message, into buffer: inout ByteBuffer) {
        AMQPMessageRecord.encode(
            exchange: message.exchange, routingKey: message.routingKey, properties: message.properties,
            body: message.body, into: &buffer)
    }

    func decode(_ record: inout ByteBuffer) -> Message? {
        guard let r = AMQPMessageRecord.decode(&record) else { return nil }
        return Message(exchange: r.exchange, routingKey: r.routingKey, properties: r.properties, body: r.body,
            alarm: alarm)
    }
}
