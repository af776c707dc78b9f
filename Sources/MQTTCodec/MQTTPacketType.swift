/// The control packet type in the high nibble of the first fixed-header byte (MQTT 3.1.1 §2.2.1).
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

    /// The conformance clause that names the reserved-flag rule for this type.
    var flagsClause: String {
        switch self {
        case .pubRel: "[MQTT-3.6.1-1]"
        case .subscribe: "[MQTT-3.8.1-1]"
        case .unsubscribe: "[MQTT-3.10.1-1]"
        case .disconnect: "[MQTT-3.14.1-1]"
        default: "[MQTT-2.2.2-1]"
        }
    }

    /// True for the packets whose MQTT 5 layout the codec implements so far (their remaining length is not fixed in
    /// MQTT 5: reason codes and properties are added).
    var isDecodedInV5: Bool {
        switch self {
        case .connAck, .pubAck, .pubRec, .pubRel, .pubComp, .subAck, .unsubAck, .disconnect, .pingReq, .pingResp: true
        default: false
        }
    }

    /// The remaining length of packets whose MQTT 3.x form has a fixed size, or nil for variable-size packets.
    var fixedRemainingLength: Int? {
        switch self {
        case .connAck, .pubAck, .pubRec, .pubRel, .pubComp, .unsubAck: 2
        case .pingReq, .pingResp, .disconnect: 0
        case .connect, .publish, .subscribe, .subAck, .unsubscribe: nil
        }
    }
}
