/// A violation of RFC 6455 by the peer, with the close code to send before closing (§7.4.1) and what was wrong,
/// starting with the section that states the rule.
public struct WebSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1002: the peer broke the protocol.
    public static let protocolError: UInt16 = 1002
    /// 1003: a data type the endpoint does not accept (text frames, for MQTT).
    public static let unsupportedData: UInt16 = 1003
    /// 1007: a close reason that is not UTF-8.
    public static let invalidPayload: UInt16 = 1007
    /// 1009: a frame or message too big to process.
    public static let messageTooBig: UInt16 = 1009

    /// The close code to send.
    public let closeCode: UInt16
    /// What was wrong.
    public let message: String

    public init(closeCode: UInt16, message: String) {
        self.closeCode = closeCode
        self.message = message
    }

    public var description: String { "WebSocket close \(closeCode): \(message)" }
}
