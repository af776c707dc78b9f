import AMQPValues
import Bytes
import MQTTCodec
import Testing

/// A packet that can carry properties, to put a property on one that allows it (MQTT 5.0 Table 2-4).
enum PropertyCarrier: Sendable {
    case connect, will, connAck, publish, pubAck, subscribe, disconnect, auth

    /// The carrier with `properties`, and its bytes with `wire` as the bytes of those properties.
    func packet(_ properties: MQTTProperties, wire: [UInt8]) -> (MQTTPacket, [UInt8]) {
        let w = WireBytes.self
        let p = w.properties(wire)
        switch self {
        case .connect:
            return (
                .connect(MQTTPacket.Connect(protocolVersion: .v5, clientId: "c", properties: properties)),
                w.connect5(flags: 0x02, properties: p, payload: w.string("c"))
            )
        case .will:
            return (
                .connect(
                    MQTTPacket.Connect(
                        protocolVersion: .v5, clientId: "c",
                        will: MQTTPacket.Connect.Will(topic: "w", payload: [], properties: properties))),
                w.connect5(flags: 0x06, payload: w.string("c") + p + w.string("w") + w.field([]))
            )
        case .connAck:
            return (
                .connAck(MQTTPacket.ConnAck(reasonCode: .success, properties: properties)), w.packet5(0x20, [0, 0] + p)
            )
        case .publish:
            return (
                .publish(MQTTPacket.Publish(topic: "t", properties: properties, payload: [0x2A])),
                w.packet5(0x30, w.string("t") + p + [0x2A])
            )
        case .pubAck:
            return (.pubAck(MQTTPacket.PubAck(packetId: 1, properties: properties)), w.packet5(0x40, [0, 1, 0] + p))
        case .subscribe:
            return (
                .subscribe(
                    MQTTPacket.Subscribe(
                        packetId: 1, subscriptions: [.init(filter: "f", qos: .atMostOnce)], properties: properties)),
                w.packet5(0x82, [0, 1] + p + w.string("f") + [0])
            )
        case .disconnect:
            return (.disconnect(MQTTPacket.Disconnect(properties: properties)), w.packet5(0xE0, [0] + p))
        case .auth:
            return (
                .auth(MQTTPacket.Auth(reasonCode: .continueAuthentication, properties: properties)),
                w.packet5(0xF0, [0x18] + p)
            )
        }
    }
}

/// Properties on a packet that allows them, with their bytes written by hand from MQTT 5.0 §2.2.2.2 and §1.5.
struct PropertyCase: Sendable, CustomTestStringConvertible {
    let properties: [MQTTProperty]
    let carrier: PropertyCarrier
    let wire: [UInt8]

    var testDescription: String {
        "\(properties.map { "\($0.identifier)" }.joined(separator: ", ")) in \(carrier)"
    }
}

private let propertyCases: [PropertyCase] = {
    let w = WireBytes.self
    return [
        PropertyCase(properties: [.payloadFormatIndicator(true)], carrier: .publish, wire: [0x01, 0x01]),
        PropertyCase(properties: [.payloadFormatIndicator(false)], carrier: .will, wire: [0x01, 0x00]),
        PropertyCase(
            properties: [.messageExpiryInterval(3600)], carrier: .publish, wire: [0x02, 0x00, 0x00, 0x0E, 0x10]),
        PropertyCase(
            properties: [.contentType("text/plain")], carrier: .publish, wire: [0x03] + w.string("text/plain")),
        PropertyCase(properties: [.responseTopic("reply/1")], carrier: .publish, wire: [0x08] + w.string("reply/1")),
        PropertyCase(
            properties: [.correlationData([0, 1, 0xFF])], carrier: .will, wire: [0x09, 0x00, 0x03, 0, 1, 0xFF]),
        PropertyCase(
            properties: [.subscriptionIdentifier(268_435_455)], carrier: .subscribe,
            wire: [0x0B, 0xFF, 0xFF, 0xFF, 0x7F]),
        PropertyCase(
            properties: [.subscriptionIdentifier(127), .subscriptionIdentifier(128)], carrier: .publish,
            wire: [0x0B, 0x7F, 0x0B, 0x80, 0x01]),
        PropertyCase(
            properties: [.sessionExpiryInterval(0xFFFF_FFFF)], carrier: .connect, wire: [0x11, 0xFF, 0xFF, 0xFF, 0xFF]),
        PropertyCase(
            properties: [.sessionExpiryInterval(60)], carrier: .disconnect, wire: [0x11, 0x00, 0x00, 0x00, 0x3C]),
        PropertyCase(
            properties: [.assignedClientIdentifier("auto-7")], carrier: .connAck, wire: [0x12] + w.string("auto-7")),
        PropertyCase(properties: [.serverKeepAlive(30)], carrier: .connAck, wire: [0x13, 0x00, 0x1E]),
        PropertyCase(
            properties: [.authenticationMethod("SCRAM-SHA-256")], carrier: .auth,
            wire: [0x15] + w.string("SCRAM-SHA-256")),
        PropertyCase(
            properties: [.authenticationMethod("TOKEN"), .authenticationData([0xDE, 0xAD])], carrier: .connect,
            wire: [0x15] + w.string("TOKEN") + [0x16, 0x00, 0x02, 0xDE, 0xAD]),
        PropertyCase(properties: [.requestProblemInformation(false)], carrier: .connect, wire: [0x17, 0x00]),
        PropertyCase(properties: [.willDelayInterval(30)], carrier: .will, wire: [0x18, 0x00, 0x00, 0x00, 0x1E]),
        PropertyCase(properties: [.requestResponseInformation(true)], carrier: .connect, wire: [0x19, 0x01]),
        PropertyCase(properties: [.responseInformation("resp/")], carrier: .connAck, wire: [0x1A] + w.string("resp/")),
        PropertyCase(properties: [.serverReference("b:1883")], carrier: .connAck, wire: [0x1C] + w.string("b:1883")),
        PropertyCase(properties: [.reasonString("why")], carrier: .pubAck, wire: [0x1F] + w.string("why")),
        PropertyCase(properties: [.receiveMaximum(20)], carrier: .connect, wire: [0x21, 0x00, 0x14]),
        PropertyCase(properties: [.topicAliasMaximum(0)], carrier: .connAck, wire: [0x22, 0x00, 0x00]),
        PropertyCase(properties: [.topicAlias(0xFFFF)], carrier: .publish, wire: [0x23, 0xFF, 0xFF]),
        PropertyCase(properties: [.maximumQoS(.atMostOnce)], carrier: .connAck, wire: [0x24, 0x00]),
        PropertyCase(properties: [.retainAvailable(false)], carrier: .connAck, wire: [0x25, 0x00]),
        PropertyCase(
            properties: [.userProperty(name: "k", value: "1"), .userProperty(name: "k", value: "2")], carrier: .publish,
            wire: [0x26] + w.string("k") + w.string("1") + [0x26] + w.string("k") + w.string("2")),
        PropertyCase(
            properties: [.userProperty(name: "", value: "é")], carrier: .will,
            wire: [0x26, 0x00, 0x00, 0x00, 0x02, 0xC3, 0xA9]),
        PropertyCase(
            properties: [.maximumPacketSize(1 << 20)], carrier: .connect, wire: [0x27, 0x00, 0x10, 0x00, 0x00]),
        PropertyCase(properties: [.wildcardSubscriptionAvailable(false)], carrier: .connAck, wire: [0x28, 0x00]),
        PropertyCase(properties: [.subscriptionIdentifierAvailable(true)], carrier: .connAck, wire: [0x29, 0x01]),
        PropertyCase(properties: [.sharedSubscriptionAvailable(false)], carrier: .connAck, wire: [0x2A, 0x00]),
    ]
}()

@Suite("MQTT 5 properties")
struct MQTTPropertiesTests {
    @Test("each property encodes to its hand-written bytes", arguments: propertyCases)
    func encodes(_ c: PropertyCase) {
        let (packet, bytes) = c.carrier.packet(MQTTProperties(c.properties), wire: c.wire)
        #expect(WireBytes.encode5(packet) == bytes)
        #expect(MQTTProperties(c.properties).encodedSize == WireBytes.properties(c.wire).count)
    }

    @Test("each property decodes, in bulk and one byte at a time", arguments: propertyCases)
    func decodes(_ c: PropertyCase) throws {
        let (packet, bytes) = c.carrier.packet(MQTTProperties(c.properties), wire: c.wire)
        let version: MQTTProtocolVersion? = packet.type == .connect ? nil : .v5
        #expect(try WireBytes.decode5(bytes, version: version, byteByByte: false) == [packet])
        #expect(try WireBytes.decode5(bytes, version: version, byteByByte: true) == [packet])
    }

    @Test("the cases cover every property of Table 2-4")
    func everyPropertyCovered() {
        let covered = Set(propertyCases.flatMap { $0.properties.map(\.identifier) })
        #expect(covered == Set(MQTTProperty.Identifier.allCases))
        #expect(MQTTProperty.Identifier.allCases.count == 27)
    }

    @Test("no properties cost one byte and no allocation")
    func emptyProperties() {
        let none = MQTTProperties()
        #expect(none.isEmpty)
        #expect(none.encodedSize == 1)
        #expect(none.list.capacity == 0)
        #expect(none == [])
    }

    @Test("typed accessors read the first value and are nil when the property is absent")
    func accessorsRead() {
        let p: MQTTProperties = [
            .topicAlias(3), .userProperty(name: "a", value: "1"), .messageExpiryInterval(9),
            .userProperty(name: "a", value: "2"), .subscriptionIdentifier(4), .subscriptionIdentifier(5),
            .maximumQoS(.atLeastOnce), .correlationData([7]),
        ]
        #expect(p.topicAlias == 3)
        #expect(p.messageExpiryInterval == 9)
        #expect(p.maximumQoS == .atLeastOnce)
        #expect(p.correlationData == [7])
        #expect(p.subscriptionIdentifiers == [4, 5])
        #expect(p.userProperties.map(\.name) == ["a", "a"])
        #expect(p.userProperties.map(\.value) == ["1", "2"])
        #expect(p.contentType == nil)
        #expect(p.sessionExpiryInterval == nil)
        #expect(MQTTProperties().subscriptionIdentifiers.isEmpty)
    }

    @Test("setters replace in place, append when absent, and nil removes; other properties keep their order")
    func accessorsWrite() {
        var p: MQTTProperties = [.topicAlias(3), .userProperty(name: "a", value: "1"), .messageExpiryInterval(9)]
        p.topicAlias = 4
        #expect(p.list == [.topicAlias(4), .userProperty(name: "a", value: "1"), .messageExpiryInterval(9)])
        p.contentType = "json"
        #expect(p.list.last == .contentType("json"))
        p.topicAlias = nil
        #expect(p.list == [.userProperty(name: "a", value: "1"), .messageExpiryInterval(9), .contentType("json")])
        p.userProperties = [(name: "x", value: "y"), (name: "z", value: "w")]
        #expect(
            p.list == [
                .userProperty(name: "x", value: "y"), .userProperty(name: "z", value: "w"), .messageExpiryInterval(9),
                .contentType("json"),
            ])
        p.subscriptionIdentifiers = [1, 2]
        p.userProperties = []
        #expect(
            p.list == [
                .messageExpiryInterval(9), .contentType("json"), .subscriptionIdentifier(1), .subscriptionIdentifier(2),
            ])
    }

    @Test("every typed accessor stores the property it names")
    func everyAccessor() {
        var p = MQTTProperties()
        p.payloadFormatIndicator = true
        p.messageExpiryInterval = 1
        p.contentType = "c"
        p.responseTopic = "r"
        p.correlationData = [1]
        p.subscriptionIdentifiers = [2]
        p.sessionExpiryInterval = 3
        p.assignedClientIdentifier = "id"
        p.serverKeepAlive = 4
        p.authenticationMethod = "m"
        p.authenticationData = [5]
        p.requestProblemInformation = false
        p.willDelayInterval = 6
        p.requestResponseInformation = true
        p.responseInformation = "ri"
        p.serverReference = "sr"
        p.reasonString = "rs"
        p.receiveMaximum = 7
        p.topicAliasMaximum = 8
        p.topicAlias = 9
        p.maximumQoS = .atMostOnce
        p.retainAvailable = false
        p.userProperties = [(name: "n", value: "v")]
        p.maximumPacketSize = 10
        p.wildcardSubscriptionAvailable = false
        p.subscriptionIdentifierAvailable = false
        p.sharedSubscriptionAvailable = false
        #expect(
            p.list == [
                .payloadFormatIndicator(true), .messageExpiryInterval(1), .contentType("c"), .responseTopic("r"),
                .correlationData([1]), .subscriptionIdentifier(2), .sessionExpiryInterval(3),
                .assignedClientIdentifier("id"), .serverKeepAlive(4), .authenticationMethod("m"),
                .authenticationData([5]), .requestProblemInformation(false), .willDelayInterval(6),
                .requestResponseInformation(true), .responseInformation("ri"), .serverReference("sr"),
                .reasonString("rs"), .receiveMaximum(7), .topicAliasMaximum(8), .topicAlias(9),
                .maximumQoS(.atMostOnce), .retainAvailable(false), .userProperty(name: "n", value: "v"),
                .maximumPacketSize(10), .wildcardSubscriptionAvailable(false), .subscriptionIdentifierAvailable(false),
                .sharedSubscriptionAvailable(false),
            ])
        #expect(Set(p.list.map(\.identifier)) == Set(MQTTProperty.Identifier.allCases))
        #expect(p.payloadFormatIndicator == true)
        #expect(p.authenticationData == [5])
        #expect(p.requestProblemInformation == false)
        #expect(p.sharedSubscriptionAvailable == false)
    }

    @Test("identifiers carry the names of Table 2-4")
    func identifierNames() {
        #expect(MQTTProperty.Identifier.topicAlias.description == "Topic Alias")
        #expect(MQTTProperty.topicAlias(1).identifier.rawValue == 0x23)
        #expect(MQTTProperty.Identifier(rawValue: 0x04) == nil)
    }
}
