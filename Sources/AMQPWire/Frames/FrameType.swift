/// The frame types of AMQP 0-9-1 (§4.2.3), the first octet of every frame.
public enum FrameType: UInt8, Sendable {
    /// A method frame: class id, method id, arguments.
    case method = 1
    /// A content header frame: class id, weight, body size, properties.
    case header = 2
    /// A content body frame: a slice of the message body.
    case body = 3
    /// A heartbeat frame, on channel 0 with an empty payload.
    case heartbeat = 8
}
