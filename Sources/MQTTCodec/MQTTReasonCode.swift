/// An MQTT 5 reason code (MQTT 5.0 §2.4, Table 2-6): the result of an operation, carried by CONNACK, PUBACK,
/// PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT and AUTH.
///
/// A struct over the raw byte rather than an enum, like `MQTTConnectReturnCode`: one byte has a different name in
/// different packets (0x00 is Success, Normal disconnection and Granted QoS 0), and which values a packet may carry
/// is a per-packet rule (`isValid(in:)`) that the decoder applies, not a property of the type.
public struct MQTTReasonCode: RawRepresentable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 0x00: Success (CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH).
    public static let success = MQTTReasonCode(rawValue: 0x00)
    /// 0x00: Normal disconnection (DISCONNECT).
    public static let normalDisconnection = MQTTReasonCode(rawValue: 0x00)
    /// 0x00: Granted QoS 0 (SUBACK).
    public static let grantedQoS0 = MQTTReasonCode(rawValue: 0x00)
    /// 0x01: Granted QoS 1 (SUBACK).
    public static let grantedQoS1 = MQTTReasonCode(rawValue: 0x01)
    /// 0x02: Granted QoS 2 (SUBACK).
    public static let grantedQoS2 = MQTTReasonCode(rawValue: 0x02)
    /// 0x04: Disconnect with Will Message (DISCONNECT from the client).
    public static let disconnectWithWillMessage = MQTTReasonCode(rawValue: 0x04)
    /// 0x10: No matching subscribers (PUBACK, PUBREC).
    public static let noMatchingSubscribers = MQTTReasonCode(rawValue: 0x10)
    /// 0x11: No subscription existed (UNSUBACK).
    public static let noSubscriptionExisted = MQTTReasonCode(rawValue: 0x11)
    /// 0x18: Continue authentication (AUTH).
    public static let continueAuthentication = MQTTReasonCode(rawValue: 0x18)
    /// 0x19: Re-authenticate (AUTH).
    public static let reAuthenticate = MQTTReasonCode(rawValue: 0x19)
    /// 0x80: Unspecified error.
    public static let unspecifiedError = MQTTReasonCode(rawValue: 0x80)
    /// 0x81: Malformed Packet.
    public static let malformedPacket = MQTTReasonCode(rawValue: 0x81)
    /// 0x82: Protocol Error.
    public static let protocolError = MQTTReasonCode(rawValue: 0x82)
    /// 0x83: Implementation specific error.
    public static let implementationSpecificError = MQTTReasonCode(rawValue: 0x83)
    /// 0x84: Unsupported Protocol Version (CONNACK).
    public static let unsupportedProtocolVersion = MQTTReasonCode(rawValue: 0x84)
    /// 0x85: Client Identifier not valid (CONNACK).
    public static let clientIdentifierNotValid = MQTTReasonCode(rawValue: 0x85)
    /// 0x86: Bad User Name or Password (CONNACK).
    public static let badUserNameOrPassword = MQTTReasonCode(rawValue: 0x86)
    /// 0x87: Not authorized.
    public static let notAuthorized = MQTTReasonCode(rawValue: 0x87)
    /// 0x88: Server unavailable (CONNACK).
    public static let serverUnavailable = MQTTReasonCode(rawValue: 0x88)
    /// 0x89: Server busy.
    public static let serverBusy = MQTTReasonCode(rawValue: 0x89)
    /// 0x8A: Banned (CONNACK).
    public static let banned = MQTTReasonCode(rawValue: 0x8A)
    /// 0x8B: Server shutting down (DISCONNECT).
    public static let serverShuttingDown = MQTTReasonCode(rawValue: 0x8B)
    /// 0x8C: Bad authentication method (CONNACK, DISCONNECT).
    public static let badAuthenticationMethod = MQTTReasonCode(rawValue: 0x8C)
    /// 0x8D: Keep Alive timeout (DISCONNECT).
    public static let keepAliveTimeout = MQTTReasonCode(rawValue: 0x8D)
    /// 0x8E: Session taken over (DISCONNECT).
    public static let sessionTakenOver = MQTTReasonCode(rawValue: 0x8E)
    /// 0x8F: Topic Filter invalid.
    public static let topicFilterInvalid = MQTTReasonCode(rawValue: 0x8F)
    /// 0x90: Topic Name invalid.
    public static let topicNameInvalid = MQTTReasonCode(rawValue: 0x90)
    /// 0x91: Packet Identifier in use.
    public static let packetIdentifierInUse = MQTTReasonCode(rawValue: 0x91)
    /// 0x92: Packet Identifier not found (PUBREL, PUBCOMP).
    public static let packetIdentifierNotFound = MQTTReasonCode(rawValue: 0x92)
    /// 0x93: Receive Maximum exceeded (DISCONNECT).
    public static let receiveMaximumExceeded = MQTTReasonCode(rawValue: 0x93)
    /// 0x94: Topic Alias invalid (DISCONNECT).
    public static let topicAliasInvalid = MQTTReasonCode(rawValue: 0x94)
    /// 0x95: Packet too large.
    public static let packetTooLarge = MQTTReasonCode(rawValue: 0x95)
    /// 0x96: Message rate too high (DISCONNECT).
    public static let messageRateTooHigh = MQTTReasonCode(rawValue: 0x96)
    /// 0x97: Quota exceeded.
    public static let quotaExceeded = MQTTReasonCode(rawValue: 0x97)
    /// 0x98: Administrative action (DISCONNECT).
    public static let administrativeAction = MQTTReasonCode(rawValue: 0x98)
    /// 0x99: Payload format invalid.
    public static let payloadFormatInvalid = MQTTReasonCode(rawValue: 0x99)
    /// 0x9A: Retain not supported (CONNACK, DISCONNECT).
    public static let retainNotSupported = MQTTReasonCode(rawValue: 0x9A)
    /// 0x9B: QoS not supported (CONNACK, DISCONNECT).
    public static let qosNotSupported = MQTTReasonCode(rawValue: 0x9B)
    /// 0x9C: Use another server (CONNACK, DISCONNECT).
    public static let useAnotherServer = MQTTReasonCode(rawValue: 0x9C)
    /// 0x9D: Server moved (CONNACK, DISCONNECT).
    public static let serverMoved = MQTTReasonCode(rawValue: 0x9D)
    /// 0x9E: Shared Subscriptions not supported (SUBACK, DISCONNECT).
    public static let sharedSubscriptionsNotSupported = MQTTReasonCode(rawValue: 0x9E)
    /// 0x9F: Connection rate exceeded (CONNACK, DISCONNECT).
    public static let connectionRateExceeded = MQTTReasonCode(rawValue: 0x9F)
    /// 0xA0: Maximum connect time (DISCONNECT).
    public static let maximumConnectTime = MQTTReasonCode(rawValue: 0xA0)
    /// 0xA1: Subscription Identifiers not supported (SUBACK, DISCONNECT).
    public static let subscriptionIdentifiersNotSupported = MQTTReasonCode(rawValue: 0xA1)
    /// 0xA2: Wildcard Subscriptions not supported (SUBACK, DISCONNECT).
    public static let wildcardSubscriptionsNotSupported = MQTTReasonCode(rawValue: 0xA2)

    /// Whether the code reports a failure: 0x80 and above (MQTT 5.0 §2.4).
    public var isError: Bool { rawValue >= 0x80 }

    /// Whether a packet of `type` may carry this code: Table 3-1 (CONNACK), 3-4 (PUBACK), 3-5 (PUBREC), 3-6 (PUBREL),
    /// 3-7 (PUBCOMP), 3-8 (SUBACK), 3-9 (UNSUBACK), 3-10 (DISCONNECT) and 3-11 (AUTH). DISCONNECT also takes 0x8C
    /// (Bad authentication method), which Table 2-6 lists for it and Table 3-10 omits. False for the packet types that
    /// have no reason code.
    public func isValid(in type: MQTTPacketType) -> Bool {
        switch type {
        case .connAck:
            switch rawValue {
            case 0x00, 0x80...0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99...0x9D, 0x9F: true
            default: false
            }
        case .pubAck, .pubRec:
            switch rawValue {
            case 0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99: true
            default: false
            }
        case .pubRel, .pubComp: rawValue == 0x00 || rawValue == 0x92
        case .subAck:
            switch rawValue {
            case 0x00...0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2: true
            default: false
            }
        case .unsubAck:
            switch rawValue {
            case 0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91: true
            default: false
            }
        case .disconnect:
            switch rawValue {
            case 0x00, 0x04, 0x80...0x83, 0x87, 0x89, 0x8B...0x90, 0x93...0xA2: true
            default: false
            }
        case .auth: rawValue == 0x00 || rawValue == 0x18 || rawValue == 0x19
        case .connect, .publish, .subscribe, .unsubscribe, .pingReq, .pingResp: false
        }
    }

    /// "0x87 (Not authorized)": the byte and the name Table 2-6 gives it.
    public var description: String {
        guard let name = Self.names[rawValue] else { return rawValue.hexString }
        return "\(rawValue.hexString) (\(name))"
    }

    private static let names: [UInt8: String] = [
        0x00: "Success", 0x01: "Granted QoS 1", 0x02: "Granted QoS 2", 0x04: "Disconnect with Will Message",
        0x10: "No matching subscribers", 0x11: "No subscription existed", 0x18: "Continue authentication",
        0x19: "Re-authenticate", 0x80: "Unspecified error", 0x81: "Malformed Packet", 0x82: "Protocol Error",
        0x83: "Implementation specific error", 0x84: "Unsupported Protocol Version",
        0x85: "Client Identifier not valid", 0x86: "Bad User Name or Password", 0x87: "Not authorized",
        0x88: "Server unavailable", 0x89: "Server busy", 0x8A: "Banned", 0x8B: "Server shutting down",
        0x8C: "Bad authentication method", 0x8D: "Keep Alive timeout", 0x8E: "Session taken over",
        0x8F: "Topic Filter invalid", 0x90: "Topic Name invalid", 0x91: "Packet Identifier in use",
        0x92: "Packet Identifier not found", 0x93: "Receive Maximum exceeded", 0x94: "Topic Alias invalid",
        0x95: "Packet too large", 0x96: "Message rate too high", 0x97: "Quota exceeded", 0x98: "Administrative action",
        0x99: "Payload format invalid", 0x9A: "Retain not supported", 0x9B: "QoS not supported",
        0x9C: "Use another server", 0x9D: "Server moved", 0x9E: "Shared Subscriptions not supported",
        0x9F: "Connection rate exceeded", 0xA0: "Maximum connect time", 0xA1: "Subscription Identifiers not supported",
        0xA2: "Wildcard Subscriptions not supported",
    ]
}
