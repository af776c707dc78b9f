import AMQPValues
import Bytes

extension FrameEncoder {
    /// Appends basic.deliver (60, 60) with its content, writing the method arguments directly instead of
    /// building an `AMQPMethod`: this runs once per delivered message.
    public static func writeDeliver(
        consumerTag: ByteString, deliveryTag: UInt64, redelivered: Bool, exchange: ByteString, routingKey: ByteString,
        properties: BasicProperties, body: UnsafeRawBufferPointer, channel: UInt16, frameMax: Int,
        into buffer: inout ByteBuffer
    ) {
        let method = beginFrame(.method, channel: channel, into: &buffer)
        buffer.writeInteger(BasicDeliver.classId)
        buffer.writeInteger(BasicDeliver.methodId)
        buffer.writeShortString(consumerTag)
        buffer.writeInteger(deliveryTag)
        buffer.writeUInt8(redelivered ? 1 : 0)
        buffer.writeShortString(exchange)
        buffer.writeShortString(routingKey)
        endFrame(length: method, into: &buffer)
        let header = beginFrame(.header, channel: channel, into: &buffer)
        buffer.writeInteger(BasicDeliver.classId)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(UInt64(body.count))
        properties.encode(into: &buffer)
        endFrame(length: header, into: &buffer)
        writeBody(body, channel: channel, frameMax: frameMax, into: &buffer)
    }
}
