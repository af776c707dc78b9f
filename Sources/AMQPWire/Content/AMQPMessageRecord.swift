import AMQPValues
import Bytes

/// The on-disk record of a message: AMQP encodings, with a format octet in front so the layout can evolve.
///
/// Layout (all integers big-endian): `0x01` | shortstr exchange | shortstr routing key |
/// property flags and properties as in a basic content header (AMQP 0-9-1 §4.2.6.1) | u32 body size | body.
/// The core's message store reaches it through a `MessageCodec` the executable supplies, so neither this module
/// nor the core knows the other.
public struct AMQPMessageRecord: Equatable, Sendable {
    static let formatVersion: UInt8 = 1

    /// The exchange the message was published to.
    public var exchange: ByteString
    /// The routing key (or MQTT topic) it was published with.
    public var routingKey: ByteString
    /// Content properties.
    public var properties: BasicProperties
    /// The body bytes.
    public var body: [UInt8]

    public init(exchange: ByteString, routingKey: ByteString, properties: BasicProperties, body: [UInt8]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
    }

    /// Appends the record of a message with these parts (a durable publish encodes straight from its message,
    /// without building a record first).
    public static func encode(
        exchange: ByteString, routingKey: ByteString, properties: BasicProperties, body: [UInt8],
        into buffer: inout ByteBuffer
    ) {
        buffer.writeUInt8(formatVersion)
        buffer.writeShortString(exchange)
        buffer.writeShortString(routingKey)
        properties.encode(into: &buffer)
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
    }

    /// Decodes one record that fills `record`; nil when it is not a valid record (unknown format, truncated, or
    /// bytes after the body).
    public static func decode(_ record: inout ByteBuffer) -> AMQPMessageRecord? {
        do {
            guard try record.readOctet() == formatVersion else { return nil }
            let exchange = try record.readShortString()
            let routingKey = try record.readShortString()
            let properties = try BasicProperties.decode(&record)
            let size = Int(try record.readLong())
            guard size == record.readableBytes, let body = record.readBytes(size) else { return nil }
            return AMQPMessageRecord(exchange: exchange, routingKey: routingKey, properties: properties, body: body)
        } catch {
            return nil
        }
    }
}
