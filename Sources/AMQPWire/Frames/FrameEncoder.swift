import AMQPValues
import Bytes

/// Writes frames into an outgoing buffer (AMQP 0-9-1 §4.2.3). No I/O: the connection flushes the buffer.
///
/// Each function appends whole frames, so a connection can batch many of them into one buffer and
/// one write.
public enum FrameEncoder {
    /// Appends a method frame.
    public static func writeMethod(_ method: AMQPMethod, channel: UInt16, into buffer: inout ByteBuffer) {
        let length = beginFrame(.method, channel: channel, into: &buffer)
        method.encode(into: &buffer)
        endFrame(length: length, into: &buffer)
    }

    /// Appends a content header frame.
    public static func writeHeader(_ header: ContentHeader, channel: UInt16, into buffer: inout ByteBuffer) {
        let length = beginFrame(.header, channel: channel, into: &buffer)
        header.encode(into: &buffer)
        endFrame(length: length, into: &buffer)
    }

    /// Appends the body as body frames of at most `frameMax - 8` payload bytes each (AMQP 0-9-1 §4.2.6.2).
    ///
    /// `frameMax` 0 means no limit: one frame. An empty body produces no body frame at all, which is what
    /// the receiving side expects after a header announcing a body size of 0.
    ///
    /// All frames are laid out in one append, so the buffer grows (geometrically) at most once per body.
    /// `ByteBuffer.reserveCapacity` is deliberately not used: it grows to the exact size requested, which
    /// turns into a copy per message when a loop batches many deliveries into one buffer.
    /// - Precondition: `frameMax` is 0 or larger than 8 (negotiated values are at least 4096).
    public static func writeBody(
        _ body: UnsafeRawBufferPointer, channel: UInt16, frameMax: Int, into buffer: inout ByteBuffer
    ) {
        guard !body.isEmpty else { return }
        precondition(frameMax == 0 || frameMax > Frame.overhead, "frame_max \(frameMax) leaves no room for a body")
        let maxPayload = frameMax == 0 ? body.count : frameMax - Frame.overhead
        let frames = (body.count + maxPayload - 1) / maxPayload
        let total = body.count + frames * Frame.overhead
        let written = buffer.writeWithUnsafeMutableBytes(maximum: total) { out in
            var at = 0
            var from = 0
            while from < body.count {
                let size = min(maxPayload, body.count - from)
                out[at] = FrameType.body.rawValue
                out.storeBytes(of: channel.bigEndian, toByteOffset: at + 1, as: UInt16.self)
                out.storeBytes(of: UInt32(size).bigEndian, toByteOffset: at + 3, as: UInt32.self)
                at += Frame.headerSize
                UnsafeMutableRawBufferPointer(rebasing: out[at..<at + size])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: body[from..<from + size]))
                at += size
                out[at] = Frame.end
                at += 1
                from += size
            }
            return at
        }
        assert(written == total)
    }

    /// Appends a content-carrying method (basic.publish, basic.deliver, basic.get-ok, basic.return) with its
    /// content: the method frame, a header frame with `properties` and the body size, then the body frames.
    public static func writeContent(
        _ method: AMQPMethod, properties: BasicProperties, body: UnsafeRawBufferPointer, channel: UInt16, frameMax: Int,
        into buffer: inout ByteBuffer
    ) {
        writeMethod(method, channel: channel, into: &buffer)
        let length = beginFrame(.header, channel: channel, into: &buffer)
        buffer.writeInteger(method.classId)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(UInt64(body.count))
        properties.encode(into: &buffer)
        endFrame(length: length, into: &buffer)
        writeBody(body, channel: channel, frameMax: frameMax, into: &buffer)
    }

    /// Appends a heartbeat frame (channel 0, empty payload).
    @inlinable
    public static func writeHeartbeat(into buffer: inout ByteBuffer) {
        // Type 8, channel 0, size 0, frame end: eight bytes written as one big-endian integer.
        buffer.writeInteger(UInt64(0x0800_0000_0000_00CE))
    }

    /// Writes the frame header with a placeholder size and returns where the size goes.
    static func beginFrame(_ type: FrameType, channel: UInt16, into buffer: inout ByteBuffer) -> Int {
        buffer.writeUInt8(type.rawValue)
        buffer.writeInteger(channel)
        return buffer.reserveLength()
    }

    /// Fills in the payload size of the frame begun at `length` and closes it with the frame-end octet.
    static func endFrame(length: Int, into buffer: inout ByteBuffer) {
        buffer.patchLength(at: length)
        buffer.writeUInt8(Frame.end)
    }
}
