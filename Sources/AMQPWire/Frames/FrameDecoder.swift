import Bytes

/// Cuts frames out of the bytes received on a connection (AMQP 0-9-1 §4.2.3). No I/O: the connection
/// appends what it reads to a buffer and calls `decode` until it returns nil.
public enum FrameDecoder {
    /// Decodes the next frame at the front of `buffer`, consuming it.
    ///
    /// Returns nil until a whole frame is buffered, leaving `buffer` untouched. The type and the size are
    /// checked as soon as the 7-byte header is there, before waiting for the payload, so a hostile length
    /// is rejected without buffering it.
    /// - Parameter maxFrameSize: the negotiated frame_max, header and frame end included. It must be positive:
    ///   a frontend that negotiated 0 ("no limit") passes its own cap.
    /// - Throws: 501 (FRAME_ERROR) for an unknown frame type (`unknownFrameType`), a frame of more than
    ///   `maxFrameSize` bytes (`frameTooLarge`) or a last octet other than 0xCE (`badFrameEnd`).
    @inlinable
    public static func decode(_ buffer: inout ByteBuffer, maxFrameSize: Int) throws(AMQPWireError) -> Frame? {
        guard let typeOctet = buffer.peekUInt8() else { return nil }
        guard let type = FrameType(rawValue: typeOctet) else { throw .unknownFrameType(typeOctet) }
        guard let channel = buffer.peekInteger(at: 1, as: UInt16.self),
            let payloadSize = buffer.peekInteger(at: 3, as: UInt32.self)
        else { return nil }
        let frameSize = Int(payloadSize) + Frame.overhead
        guard frameSize <= maxFrameSize else { throw .frameTooLarge(size: frameSize, max: maxFrameSize) }
        guard buffer.readableBytes >= frameSize else { return nil }
        guard buffer.peekUInt8(at: frameSize - 1) == Frame.end else { throw .badFrameEnd }
        buffer.moveReaderIndex(forwardBy: Frame.headerSize)
        guard let payload = buffer.readSlice(Int(payloadSize)) else { return nil }
        buffer.moveReaderIndex(forwardBy: 1)
        return Frame(type: type, channel: channel, payload: payload)
    }
}
