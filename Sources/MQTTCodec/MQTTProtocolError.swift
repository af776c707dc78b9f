/// A violation of the MQTT wire format or of a packet-level rule, found while decoding bytes from a peer.
///
/// `message` starts with the conformance clause that was broken ("[MQTT-3.3.1-4] PUBLISH with QoS 3"), or with
/// the section number where the specification states the rule without a numbered clause, so a log line points
/// at the text to read. The frontend maps `code` to its reply in one place: for MQTT 3.x every code closes the
/// connection [MQTT-4.8.0-1], except `unsupportedProtocolVersion`, which is first answered with CONNACK 0x01
/// [MQTT-3.1.2-2]. The codes follow the MQTT 5 reason codes (0x81, 0x82, 0x84, 0x95, 0x90, 0x8F) so a v5
/// frontend can put them in a CONNACK or DISCONNECT without reclassifying.
public struct MQTTProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of violation it is.
    public enum Code: Sendable, Equatable, Hashable, CustomStringConvertible {
        /// The bytes cannot be parsed: bad flags, a bad length, truncated fields, ill-formed UTF-8.
        case malformedPacket
        /// The packet parses but breaks a rule: a zero packet identifier, a packet before CONNECT, an empty SUBSCRIBE.
        case protocolError
        /// CONNECT asked for a protocol level this server does not speak; see `protocolLevel`.
        case unsupportedProtocolVersion
        /// The fixed header announced more bytes than the configured maximum packet size.
        case packetTooLarge
        /// A PUBLISH or will topic is empty or contains a wildcard.
        case topicNameInvalid
        /// A SUBSCRIBE or UNSUBSCRIBE filter is empty or places a wildcard wrongly.
        case topicFilterInvalid

        public var description: String {
            switch self {
            case .malformedPacket: "malformed packet"
            case .protocolError: "protocol error"
            case .unsupportedProtocolVersion: "unsupported protocol version"
            case .packetTooLarge: "packet too large"
            case .topicNameInvalid: "topic name invalid"
            case .topicFilterInvalid: "topic filter invalid"
            }
        }
    }

    /// The kind of violation, for the frontend's reply.
    public let code: Code
    /// What was wrong, starting with the spec clause.
    public let message: String
    /// For `unsupportedProtocolVersion`: the level that is not supported (from the CONNECT, or 5 for a packet of
    /// an MQTT 5 session), so the frontend can tell an MQTT 5 client (which will later get a v5 CONNACK) from an
    /// unknown level. Nil for every other code.
    public let protocolLevel: UInt8?

    /// An error with an explicit code and message.
    public init(code: Code, message: String, protocolLevel: UInt8? = nil) {
        self.code = code
        self.message = message
        self.protocolLevel = protocolLevel
    }

    /// "protocol error: [MQTT-2.3.1-1] SUBSCRIBE with packet identifier 0".
    public var description: String { "\(code): \(message)" }

    static func malformed(_ message: String) -> MQTTProtocolError {
        MQTTProtocolError(code: .malformedPacket, message: message)
    }

    static func protocolViolation(_ message: String) -> MQTTProtocolError {
        MQTTProtocolError(code: .protocolError, message: message)
    }

    /// A field runs past the end the remaining length gives the packet (MQTT 3.1.1 §2.2.3).
    static func truncated(_ packet: MQTTPacketType, _ field: String) -> MQTTProtocolError {
        .malformed("[MQTT §2.2.3] \(packet) ends inside its \(field): the remaining length is too short")
    }
}
