import AMQPValues
import AMQPWire
import Bytes

/// A block of identical basic.publish messages (method, header and body frames) ready to be sent with one
/// `send`: the frames are encoded once with `FrameEncoder`, copied `capacity` times, and per batch only the
/// 8-byte timestamp at the start of each body is patched. That keeps the publisher's cost per message at one
/// store and a share of a syscall.
final class PublishBatch {
    /// Encoded size of one message (all its frames).
    let messageSize: Int
    /// How many messages the block holds.
    let capacity: Int
    /// Offset of the timestamp inside one message, or nil when the body is shorter than 8 bytes.
    private let timestampOffset: Int?
    private let block: UnsafeMutableRawPointer

    /// Encodes the message for `exchange`/`routingKey` with a `bodySize`-byte zero body and lays out as many
    /// copies as fit in about `targetBytes` (at least one).
    init(exchange: String, routingKey: String, bodySize: Int, persistent: Bool, frameMax: Int, targetBytes: Int = 128 << 10) {
        var properties = BasicProperties()
        if persistent { properties.deliveryMode = 2 }
        var frames = ByteBuffer(capacity: bodySize + 256)
        let publish = BasicPublish(exchange: ByteString(exchange), routingKey: ByteString(routingKey))
        FrameEncoder.writeMethod(.basicPublish(publish), channel: AMQPClientConnection.channel, into: &frames)
        FrameEncoder.writeHeader(
            ContentHeader(bodySize: UInt64(bodySize), properties: properties), channel: AMQPClientConnection.channel,
            into: &frames)
        timestampOffset = bodySize >= 8 ? frames.readableBytes + Frame.headerSize : nil
        let body = [UInt8](repeating: 0, count: bodySize)
        body.withUnsafeBytes {
            FrameEncoder.writeBody($0, channel: AMQPClientConnection.channel, frameMax: frameMax, into: &frames)
        }
        messageSize = frames.readableBytes
        capacity = max(1, targetBytes / messageSize)
        block = UnsafeMutableRawPointer.allocate(byteCount: messageSize * capacity, alignment: 16)
        frames.withReadableBytes { one in
            for i in 0..<capacity { (block + i * messageSize).copyMemory(from: one.baseAddress!, byteCount: messageSize) }
        }
    }

    deinit { block.deallocate() }

    /// Stamps the first `count` messages with `timestamp` and returns their bytes.
    @inline(__always)
    func prepare(_ count: Int, timestamp: UInt64) -> UnsafeRawBufferPointer {
        if let timestampOffset {
            var at = block + timestampOffset
            for _ in 0..<count {
                at.storeBytes(of: timestamp.bigEndian, as: UInt64.self)
                at += messageSize
            }
        }
        return UnsafeRawBufferPointer(start: block, count: count * messageSize)
    }
}
