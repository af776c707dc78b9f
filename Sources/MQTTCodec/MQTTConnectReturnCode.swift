/// The return code of an MQTT 3.x CONNACK (MQTT 3.1.1 §3.2.2.3, Table 3.1).
///
/// A struct over the raw byte rather than an enum, like `MQTTReasonCode`; the decoder rejects the values 3.1.1
/// reserves. MQTT 5 puts an `MQTTReasonCode` in the same byte, with other values; `MQTTPacket.ConnAck` maps one to
/// the other.
public struct MQTTConnectReturnCode: RawRepresentable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 0x00: connection accepted.
    public static let accepted = MQTTConnectReturnCode(rawValue: 0x00)
    /// 0x01: the server does not support the protocol level the client asked for [MQTT-3.1.2-2].
    public static let unacceptableProtocolVersion = MQTTConnectReturnCode(rawValue: 0x01)
    /// 0x02: the client identifier is well-formed UTF-8 but not allowed by the server.
    public static let identifierRejected = MQTTConnectReturnCode(rawValue: 0x02)
    /// 0x03: the MQTT service is unavailable.
    public static let serverUnavailable = MQTTConnectReturnCode(rawValue: 0x03)
    /// 0x04: the user name or password is malformed or wrong.
    public static let badUsernameOrPassword = MQTTConnectReturnCode(rawValue: 0x04)
    /// 0x05: the client is not authorized to connect.
    public static let notAuthorized = MQTTConnectReturnCode(rawValue: 0x05)

    public var description: String {
        switch rawValue {
        case 0x00: "0x00 (connection accepted)"
        case 0x01: "0x01 (unacceptable protocol version)"
        case 0x02: "0x02 (identifier rejected)"
        case 0x03: "0x03 (server unavailable)"
        case 0x04: "0x04 (bad user name or password)"
        case 0x05: "0x05 (not authorized)"
        default: rawValue.hexString
        }
    }
}
