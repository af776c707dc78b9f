/// One MQTT control packet, decoded or to be encoded (MQTT 3.1.1 §3, MQTT 3.1).
///
/// Each case carries a struct named after the packet, so MQTT 5 can add its properties and reason codes as new
/// optional fields of those structs (for example `properties: MQTTProperties?`) without touching the cases or
/// their users; the decoder and encoder already take the session's protocol version to choose the layout.
/// PINGREQ and PINGRESP carry nothing in any version and have no struct. The codec is direction-agnostic:
/// it decodes server-to-client packets too (for clients such as the load generator); which packets a server
/// accepts from a client is the frontend's rule.
public enum MQTTPacket: Sendable, Equatable {
    case connect(Connect)
    case connAck(ConnAck)
    case publish(Publish)
    case pubAck(PubAck)
    case pubRec(PubRec)
    case pubRel(PubRel)
    case pubComp(PubComp)
    case subscribe(Subscribe)
    case subAck(SubAck)
    case unsubscribe(Unsubscribe)
    case unsubAck(UnsubAck)
    case pingReq
    case pingResp
    case disconnect(Disconnect)

    /// The control packet type of this packet.
    public var type: MQTTPacketType {
        switch self {
        case .connect: .connect
        case .connAck: .connAck
        case .publish: .publish
        case .pubAck: .pubAck
        case .pubRec: .pubRec
        case .pubRel: .pubRel
        case .pubComp: .pubComp
        case .subscribe: .subscribe
        case .subAck: .subAck
        case .unsubscribe: .unsubscribe
        case .unsubAck: .unsubAck
        case .pingReq: .pingReq
        case .pingResp: .pingResp
        case .disconnect: .disconnect
        }
    }
}
