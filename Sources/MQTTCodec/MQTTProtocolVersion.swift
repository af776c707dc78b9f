import AMQPValues

/// The MQTT protocol level a client announces in CONNECT and the session then speaks.
///
/// The codec decodes and encodes all three. A CONNECT asking for level 5 is decoded only when the caller of
/// `MQTTDecoder.decode` accepts MQTT 5; otherwise it is refused as an unsupported level, so a frontend that speaks
/// only 3.x can answer CONNACK 0x01 [MQTT-3.1.2-2].
public enum MQTTProtocolVersion: UInt8, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// MQTT 3.1, protocol name "MQIsdp".
    case v3_1 = 3
    /// MQTT 3.1.1 (OASIS), protocol name "MQTT".
    case v3_1_1 = 4
    /// MQTT 5.0 (OASIS), protocol name "MQTT".
    case v5 = 5

    /// The protocol name a CONNECT of this level carries.
    public var protocolName: ByteString {
        self == .v3_1 ? "MQIsdp" : "MQTT"
    }

    public var description: String {
        switch self {
        case .v3_1: "MQTT 3.1"
        case .v3_1_1: "MQTT 3.1.1"
        case .v5: "MQTT 5.0"
        }
    }
}
