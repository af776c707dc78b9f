import Bytes
import MQTTCodec
import Testing

@Suite("MQTT decoder: protocol level 5")
struct MQTT5DecoderTests {
    private let w = WireBytes.self

    @Test("[MQTT-3.1.2-2] CONNECT level 5 is refused as unsupported unless the caller accepts MQTT 5")
    func level5OnlyWhenAccepted() throws {
        let bytes = w.connect5(flags: 0x02, payload: w.string("c"))
        var refused = ByteBuffer(bytes: bytes)
        do {
            _ = try MQTTDecoder.decode(&refused, version: nil, maxPacketSize: 1 << 20)
            Issue.record("a level 5 CONNECT decoded without acceptsMQTT5")
        } catch {
            #expect(error.code == .unsupportedProtocolVersion)
            #expect(error.protocolLevel == 5)
        }

        var accepted = ByteBuffer(bytes: bytes)
        let packet = try MQTTDecoder.decode(&accepted, version: nil, maxPacketSize: 1 << 20, acceptsMQTT5: true)
        #expect(packet == .connect(.init(protocolVersion: .v5, clientId: "c")))
        #expect(accepted.readableBytes == 0)
    }

    @Test("accepting MQTT 5 leaves levels 3 and 4 as they were and names level 5 among the supported ones")
    func otherLevelsWhenAccepting() throws {
        var v311 = ByteBuffer(bytes: w.connect(flags: 0x02, payload: w.string("c")))
        #expect(
            try MQTTDecoder.decode(&v311, version: nil, maxPacketSize: 1 << 20, acceptsMQTT5: true)
                == .connect(.init(clientId: "c")))
        var v6 = ByteBuffer(bytes: w.connect(level: 6, flags: 0x02, payload: w.string("c")))
        do {
            _ = try MQTTDecoder.decode(&v6, version: nil, maxPacketSize: 1 << 20, acceptsMQTT5: true)
            Issue.record("level 6 decoded")
        } catch {
            #expect(error.code == .unsupportedProtocolVersion)
            #expect(error.protocolLevel == 6)
            #expect(error.message.contains("level 4 or 5"), "message: \(error.message)")
        }
    }

    @Test("packet type 15 is AUTH in an MQTT 5 session and reserved in MQTT 3.1.1")
    func authOnlyInV5() throws {
        var v5 = ByteBuffer(bytes: [0xF0, 0x00])
        #expect(try MQTTDecoder.decode(&v5, version: .v5, maxPacketSize: 1 << 20) == .auth(.init()))
        var v311 = ByteBuffer(bytes: [0xF0, 0x00])
        #expect(throws: MQTTProtocolError.self) {
            try MQTTDecoder.decode(&v311, version: .v3_1_1, maxPacketSize: 1 << 20)
        }
    }

    @Test("the maximum packet size applies to MQTT 5 packets, refused from the header alone")
    func maxPacketSize() throws {
        let publish = WireBytes.encode5(
            .publish(.init(topic: "t", properties: [.userProperty(name: "k", value: "v")], payload: [1, 2, 3])))
        var exact = ByteBuffer(bytes: publish)
        #expect(try MQTTDecoder.decode(&exact, version: .v5, maxPacketSize: publish.count) != nil)
        var header = ByteBuffer(bytes: Array(publish.prefix(2)))
        let error = #expect(throws: MQTTProtocolError.self) {
            try MQTTDecoder.decode(&header, version: .v5, maxPacketSize: publish.count - 1)
        }
        #expect(error?.code == .packetTooLarge)
    }

    @Test("an MQTT 3.1.1 PUBLISH decodes with no properties and no allocation for them")
    func v311PublishHasNoProperties() throws {
        var buffer = ByteBuffer(bytes: [0x30, 0x05, 0x00, 0x01, 0x74, 0x68, 0x69])
        guard case .publish(let p) = try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: 1 << 20) else {
            Issue.record("expected PUBLISH")
            return
        }
        #expect(p.properties.isEmpty)
        #expect(p.properties.list.capacity == 0)
        #expect(p.payload == [0x68, 0x69])
    }

    @Test("an MQTT 5 PUBLISH without properties decodes with none, and the payload after the property length")
    func v5PublishWithoutProperties() throws {
        var buffer = ByteBuffer(bytes: [0x30, 0x06, 0x00, 0x01, 0x74, 0x00, 0x68, 0x69])
        guard case .publish(let p) = try MQTTDecoder.decode(&buffer, version: .v5, maxPacketSize: 1 << 20) else {
            Issue.record("expected PUBLISH")
            return
        }
        #expect(p.properties.list.capacity == 0)
        #expect(p.payload == [0x68, 0x69])
    }

    @Test("a Topic Alias of 0 decodes: its range is the frontend's check")
    func topicAliasZeroDecodes() throws {
        var buffer = ByteBuffer(bytes: w.packet5(0x30, w.string("t") + w.properties([0x23, 0x00, 0x00])))
        let packet = try MQTTDecoder.decode(&buffer, version: .v5, maxPacketSize: 1 << 20)
        #expect(packet == .publish(.init(topic: "t", properties: [.topicAlias(0)], payload: [])))
    }

    @Test("in MQTT 3.1.1 a $share filter is an ordinary filter, even one MQTT 5 would refuse")
    func sharedFilterInV311() throws {
        var buffer = ByteBuffer(bytes: w.packet(0x82, [0x00, 0x01] + w.string("$share/g") + [0x01]))
        let packet = try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: 1 << 20)
        #expect(packet == .subscribe(.init(packetId: 1, subscriptions: [.init(filter: "$share/g", qos: .atLeastOnce)])))
    }
}
