import MQTTCodec
import Testing

@Suite("MQTT 5 reason codes")
struct MQTTReasonCodeTests {
    /// The codes each packet may carry, from MQTT 5.0 Tables 3-1 and 3-4 to 3-11 (DISCONNECT with 0x8C, as Table
    /// 2-6 lists it).
    private static let allowed: [(MQTTPacketType, Set<UInt8>)] = [
        (
            .connAck,
            [
                0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99,
                0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
            ]
        ),
        (.pubAck, [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]),
        (.pubRec, [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]),
        (.pubRel, [0x00, 0x92]),
        (.pubComp, [0x00, 0x92]),
        (.subAck, [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]),
        (.unsubAck, [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]),
        (
            .disconnect,
            [
                0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95,
                0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
            ]
        ),
        (.auth, [0x00, 0x18, 0x19]),
        (.connect, []), (.publish, []), (.subscribe, []), (.unsubscribe, []), (.pingReq, []), (.pingResp, []),
    ]

    @Test("each packet accepts exactly the reason codes of its table")
    func validityPerPacket() {
        for (type, codes) in Self.allowed {
            let valid = Set((0...255).map(UInt8.init).filter { MQTTReasonCode(rawValue: $0).isValid(in: type) })
            #expect(valid == codes, "\(type)")
        }
    }

    @Test("codes from 0x80 are errors")
    func isError() {
        #expect(!MQTTReasonCode.success.isError)
        #expect(!MQTTReasonCode.reAuthenticate.isError)
        #expect(MQTTReasonCode.unspecifiedError.isError)
        #expect(MQTTReasonCode.wildcardSubscriptionsNotSupported.isError)
    }

    @Test("descriptions give the byte and the name of Table 2-6")
    func descriptions() {
        #expect(MQTTReasonCode.notAuthorized.description == "0x87 (Not authorized)")
        #expect(MQTTReasonCode.grantedQoS1.description == "0x01 (Granted QoS 1)")
        #expect(MQTTReasonCode.normalDisconnection.description == "0x00 (Success)")
        #expect(MQTTReasonCode(rawValue: 0x03).description == "0x03")
    }

    @Test("the named constants have the values of Table 2-6")
    func values() {
        #expect(MQTTReasonCode.disconnectWithWillMessage.rawValue == 0x04)
        #expect(MQTTReasonCode.continueAuthentication.rawValue == 0x18)
        #expect(MQTTReasonCode.badAuthenticationMethod.rawValue == 0x8C)
        #expect(MQTTReasonCode.topicAliasInvalid.rawValue == 0x94)
        #expect(MQTTReasonCode.maximumConnectTime.rawValue == 0xA0)
    }

    @Test("each protocol error code maps to the reason code a v5 CONNACK (refusing CONNECT) or DISCONNECT carries")
    func protocolErrorCodes() {
        let map: [(MQTTProtocolError.Code, UInt8)] = [
            (.malformedPacket, 0x81), (.protocolError, 0x82), (.unsupportedProtocolVersion, 0x84),
            (.packetTooLarge, 0x95), (.topicNameInvalid, 0x90), (.topicFilterInvalid, 0x8F),
        ]
        for (code, raw) in map {
            #expect(code.reasonCode.rawValue == raw, "\(code)")
            let packet: MQTTPacketType = code == .unsupportedProtocolVersion ? .connAck : .disconnect
            #expect(code.reasonCode.isValid(in: packet), "\(code)")
        }
    }
}
