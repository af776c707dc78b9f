import AMQPModel
import AMQPValues
import Bytes

/// The on-disk record of a message: AMQP encodings, with a format octet in front so the layout can evolve.
///
/// Layout (all integers big-endian): `0x01` | shortstr exchange | shortstr routing key |
/// property flags and properties as in a basic content header (AMQP 0-9-1 §4.2.6.1) | u32 body size | body.
public struct AMQPMessageCodec: MessageCodec {
    static let formatVersion: UInt8 = 1

    public init() {}

    public func encode(_ message: Message, into buffer: inout ByteBuffer) {
        buffer.writeUInt8(Self.formatVersion)
        buffer.writeShortString(message.exchange)
        buffer.writeShortString(message.routingKey)
        message.properties.encode(into: &buffer)
        buffer.writeInteger(UInt32(message.body.count))
        buffer.writeBytes(message.body)
    }

    public func decode(_ record: inout ByteBuffer) -> Message? {
        do {
            guard try record.readOctet() == Self.formatVersion else { return nil }
            let exchange = try record.readShortString()
            let routingKey = try record.readShortString()
            let properties = try BasicProperties.decode(&record)
            let size = Int(try record.readLong())
            guard size == record.readableBytes, let body = record.readBytes(size) else { return nil }
            return Message(exchange: exchange, routingKey: routingKey, properties: properties, body: body)
        } catch {
            return nil
        }
    }
}
