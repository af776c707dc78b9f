/// A violation of the AMQP 0-9-1 wire format, found while decoding bytes from a peer.
///
/// Each error carries the reply code the connection must be closed with (AMQP 0-9-1 §4.2.3: a malformed
/// frame is a hard error) and a message that says what was wrong with the bytes, so the frontend can send
/// `connection.close` with `description` as the reply text without translating anything.
public struct AMQPWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reply code for connection.close (501, 502 or 540).
    public let replyCode: UInt16
    /// What was wrong, without the reply code name.
    public let message: String

    /// An error with an explicit reply code.
    public init(replyCode: UInt16, message: String) {
        self.replyCode = replyCode
        self.message = message
    }

    /// The reply text RabbitMQ would send: "FRAME_ERROR - bad frame end".
    public var description: String { "\(ReplyCodeName.name(replyCode)) - \(message)" }

    /// A frame header announced a payload that does not fit the negotiated frame_max (501).
    public static func frameTooLarge(size: Int, max: Int) -> AMQPWireError {
        AMQPWireError(
            replyCode: ReplyCode.frameError,
            message: "frame of \(size) bytes exceeds the negotiated frame_max of \(max) bytes")
    }

    /// A frame did not end with the frame-end octet 0xCE (501).
    public static let badFrameEnd = AMQPWireError(
        replyCode: ReplyCode.frameError, message: "frame does not end with the frame-end octet 0xCE")

    /// A frame header carried a type other than method, header, body or heartbeat (501).
    public static func unknownFrameType(_ type: UInt8) -> AMQPWireError {
        AMQPWireError(replyCode: ReplyCode.frameError, message: "unknown frame type \(type)")
    }

    /// Arguments, a content header or a field table were truncated or malformed (502).
    public static func syntax(_ message: String) -> AMQPWireError {
        AMQPWireError(replyCode: ReplyCode.syntaxError, message: message)
    }

    /// A method frame named a class or method this implementation does not know (540).
    public static func notImplemented(classId: UInt16, methodId: UInt16) -> AMQPWireError {
        AMQPWireError(
            replyCode: ReplyCode.notImplemented, message: "unknown method: class \(classId), method \(methodId)")
    }
}
