/// What one decoded frame means to the connection (`WebSocketFrameDecoder.next`).
public enum WebSocketEvent: Sendable, Equatable {
    /// `count` bytes of a binary message were appended to the data buffer (a frame may carry 0).
    case data(count: Int)
    /// A ping: answer with a pong carrying `payload` (§5.5.2).
    case ping(payload: [UInt8])
    /// A pong (unsolicited ones are allowed and ignored, §5.5.3).
    case pong
    /// The peer closes with `code` (nil: no code given) and `reason`: echo a close frame, then close (§5.5.1).
    case close(code: UInt16?, reason: String)
}
