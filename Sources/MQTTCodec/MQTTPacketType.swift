/// The control packet type in the high nibble of the first fixed-header byte (MQTT 3.1.1 §2.2.1, MQTT 5.0 §2.1.2).
///
/// Also holds the per-type fixed-header rules the decoder checks before it waits for a packet body:
/// the flag bits each type must carry and the remaining length of the fixed-size packets.
public enum MQTTPacketType: UInt8, Sendable, Equatable, Hashable, CustomStringConvertible {
    case connect = 1
    case connAck = 2
    case publish = 3
    case pubAck = 4
    case pubRec = 5
    case pubRel = 6
    case pubComp = 7
    case subscribe = 8
    case subAck = 9
    case unsubscribe = 10
    case unsubAck = 11
    case pingReq = 12
    case pingResp = 13
    case disconnect = 14
    /// MQTT 5 only; type 15 is reserved in MQTT 3.x.
    case auth = 15

    /// The packet name as the specification writes it ("PUBLISH").
    public var description: String {
        switch self {
        case .connect: "CONNECT"
        case .connAck: "CONNACK"
        case .publish: "PUBLISH"
        case .pubAck: "PUBACK"
        case .pubRec: "PUBREC"
        case .pubRel: "PUBREL"
        case .pubComp: "PUBCOMP"
        case .subscribe: "SUBSCRIBE"
        case .subAck: "SUBACK"
        case .unsubscribe: "UNSUBSCRIBE"
        case .unsubAck: "UNSUBACK"
        case .pingReq: "PINGREQ"
        case .pingResp: "PINGRESP"
        case .disconnect: "DISCONNECT"
        case .auth: "AUTH"
        }
    }

    /// The low nibble every packet of this type must carry (Table 2.2), or nil for PUBLISH, whose nibble holds
    /// DUP, QoS and RETAIN.
    var requiredFlags: UInt8? {
        switch self {
        case .publish: nil
        case .pubRel, .subscribe, .unsubscribe: 0b0010
        default: 0
        }
    }

    /// The conformance clause that names the reserved-flag rule for this type in `version`.
    func flagsClause(_ version: MQTTProtocolVersion?) -> String {
        switch self {
        case .pubRel: "[MQTT-3.6.1-1]"
        case .subscribe: "[MQTT-3.8.1-1]"
        case .unsubscribe: "[MQTT-3.10.1-1]"
        case .disconnect: "[MQTT-3.14.1-1]"
        case .auth: "[MQTT-3.15.1-1]"
        default: version == .v5 ? "[MQTT-2.1.3-1]" : "[MQTT-2.2.2-1]"
        }
    }

    /// The remaining length of packets that have a fixed size in `version`, or nil for variable-size packets. In
    /// MQTT 5 only PINGREQ and PINGRESP are fixed: the acknowledgements and DISCONNECT gained a reason code and
    /// properties, which may be omitted. Inlined: the decoder asks it for every packet.
    @inline(__always)
    func fixedRemainingLength(_ version: MQTTProtocolVersion?) -> Int? {
        switch self {
        case .pingReq, .pingResp: 0
        case .connAck, .pubAck, .pubRec, .pubRel, .pubComp, .unsubAck: version == .v5 ? nil : 2
        case .disconnect: version == .v5 ? nil : 0
        case .connect, .publish, .subscribe, .subAck, .unsubscribe, .auth: nil
        }
    }

    /// The MQTT 5 clause that restricts the reason codes this type may carry ("[MQTT-3.4.2-1]").
    var reasonCodeClause: String {
        switch self {
        case .connAck: "[MQTT-3.2.2-8]"
        case .pubAck: "[MQTT-3.4.2-1]"
        case .pubRec: "[MQTT-3.5.2-1]"
        case .pubRel: "[MQTT-3.6.2-1]"
        case .pubComp: "[MQTT-3.7.2-1]"
        case .subAck: "[MQTT-3.9.3-2]"
        case .unsubAck: "[MQTT-3.11.3-2]"
        case .disconnect: "[MQTT-3.14.2-1]"
        case .auth: "[MQTT-3.15.2-1]"
        case .connect, .publish, .subscribe, .unsubscribe, .pingReq, .pingResp: "[MQTT5 §2.4]"
        }
    }
}
