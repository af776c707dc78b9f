/// A violation of the MQTT wire format or of a packet-level rule, found while decoding bytes from a peer.
///
/// `message` starts with the conformance clause that was broken ("[MQTT-3.3.1-4] PUBLISH with QoS 3"), or with
/// the section number where the specification states the rule without a numbered clause, so a log line points
/// at the text to read. The frontend maps `code` to its reply in one place: for MQTT 3.x every code closes the
/// connection [MQTT-4.8.0-1], except `unsupportedProtocolVersion`, which is first answered with CONNACK 0x01
/// [MQTT-3.1.2-2]. The codes follow the MQTT 5 reason codes (0x81, 0x82, 0x84, 0x95, 0x90, 0x8F; `Code.reasonCode`)
/// so a v5 frontend can put them in a CONNACK or DISCONNECT without reclassifying. Rules MQTT 5.0 states without a
/// numbered clause are cited by section with an "MQTT5" prefix ("[MQTT5 §3.3.2.3]"), since its sections are numbered
/// differently from 3.1.1's.
public struct MQTTProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of violation it is.
    public enum Code: Sendable, Equatable, Hashable, CustomStringConvertible {
        /// The bytes cannot be parsed: bad flags, a bad length, truncated fields, ill-formed UTF-8, an MQTT 5 property
        /// that is unknown or not allowed where it appears (MQTT 5.0 §2.2.2.2).
        case malformedPacket
        /// The packet parses but breaks a rule: a zero packet identifier, a packet before CONNECT, an empty SUBSCRIBE,
        /// an MQTT 5 property repeated or out of range, a reason code the packet may not carry.
        case protocolError
        /// CONNECT asked for a protocol level this server does not speak; see `protocolLevel`.
        case unsupportedProtocolVersion
        /// The fixed header announced more bytes than the configured maximum packet size.
        case packetTooLarge
        /// A PUBLISH or will topic is empty (MQTT 5: without a topic alias) or contains a wildcard.
        case topicNameInvalid
        /// A SUBSCRIBE or UNSUBSCRIBE filter is empty, places a wildcard wrongly or is a malformed MQTT 5 shared
        /// subscription.
        case topicFilterInvalid

        /// The MQTT 5 reason code for this violation (MQTT 5.0 §2.4), to put in a CONNACK or DISCONNECT.
        public var reasonCode: MQTTReasonCode {
            switch self {
            case .malformedPacket: .malformedPacket
            case .protocolError: .protocolError
            case .unsupportedProtocolVersion: .unsupportedProtocolVersion
            case .packetTooLarge: .packetTooLarge
            case .topicNameInvalid: .topicNameInvalid
            case .topicFilterInvalid: .topicFilterInvalid
            }
        }

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
    /// For `unsupportedProtocolVersion`: the level the CONNECT asked for, so the frontend can tell an MQTT 5 client
    /// (5, when `MQTTDecoder.decode` was not asked to accept MQTT 5) from an unknown level. Nil for every other code.
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
}
