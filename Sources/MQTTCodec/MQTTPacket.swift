/// One MQTT control packet, decoded or to be encoded (MQTT 3.1.1 §3, MQTT 3.1, MQTT 5.0 §3).
///
/// Each case carries a struct named after the packet. One struct serves every version: MQTT 5's properties and
/// reason codes are fields with defaults that mean "none" and "success" (what a 3.x packet decodes to), and the
/// decoder and encoder take the session's protocol version to choose the layout, so 3.x code builds and reads
/// packets as before. PINGREQ and PINGRESP carry nothing in any version and have no struct; AUTH exists only in
/// MQTT 5. The codec is direction-agnostic: it decodes server-to-client packets too (for clients such as the load
/// generator); which packets a server accepts from a client is the frontend's rule.
///
/// CONNECT, by far the largest packet and one per connection, is boxed (`indirect`), so a packet is four words and
/// the packets of the hot path (PUBLISH and its acknowledgements) move through the decoder without outlined copies.
public enum MQTTPacket: Sendable, Equatable {
    indirect case connect(Connect)
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
    case auth(Auth)

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
        case .auth: .auth
        }
    }
}
