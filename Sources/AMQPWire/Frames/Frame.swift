import Bytes

/// One AMQP 0-9-1 frame: type, channel and payload (AMQP 0-9-1 §4.2.3).
///
/// On the wire a frame is a 7-byte header (type octet, channel short, payload size long), the payload,
/// and the frame-end octet 0xCE.
public struct Frame: Sendable, Equatable {
    /// Size of the frame header: type, channel, payload size.
    public static let headerSize = 7
    /// Bytes a frame adds around its payload: header and frame-end octet. frame_max counts them.
    public static let overhead = 8
    /// The frame-end octet that closes every frame.
    public static let end: UInt8 = 0xCE
    /// The smallest frame_max a peer may negotiate (FRAME-MIN-SIZE).
    public static let minSize = 4096

    public var type: FrameType
    public var channel: UInt16
    public var payload: ByteBuffer

    public init(type: FrameType, channel: UInt16, payload: ByteBuffer) {
        self.type = type
        self.channel = channel
        self.payload = payload
    }
}
