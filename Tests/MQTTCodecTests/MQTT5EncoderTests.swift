import Bytes
import MQTTCodec
import Testing

@Suite("MQTT encoder: MQTT 5 layouts and the fields 3.x has no place for")
struct MQTT5EncoderTests {
    private func encode(_ packet: MQTTPacket, _ version: MQTTProtocolVersion) -> [UInt8] {
        var buffer = ByteBuffer()
        MQTTEncoder.encode(packet, version: version, into: &buffer)
        return buffer.readableBytesArray
    }

    @Test(
        "the MQTT 5 publish fast path writes the same bytes as encoding the packet, and its size is known first",
        arguments: [
            MQTTPacket.Publish(topic: "a/b", payload: Array("hello".utf8)),
            MQTTPacket.Publish(
                qos: .atLeastOnce, retain: true, topic: "s/1", packetId: 1,
                properties: [.messageExpiryInterval(10), .userProperty(name: "k", value: "v")], payload: []),
            MQTTPacket.Publish(
                dup: true, qos: .exactlyOnce, topic: "", packetId: 65535,
                properties: [.topicAlias(2), .subscriptionIdentifier(2_097_152)],
                payload: [UInt8](repeating: 1, count: 200)),
        ])
    func publishFastPath(_ publish: MQTTPacket.Publish) {
        let viaPacket = encode(.publish(publish), .v5)
        var viaFastPath = ByteBuffer(bytes: [0xEE])  // appends after what is already there
        publish.payload.withUnsafeBytes { payload in
            MQTTEncoder.encodePublish(
                topic: publish.topic, packetId: publish.packetId, qos: publish.qos, retain: publish.retain,
                dup: publish.dup, properties: publish.properties, payload: payload, into: &viaFastPath)
        }
        #expect(viaFastPath.readableBytesArray == [0xEE] + viaPacket)
        #expect(
            MQTTEncoder.publishPacketSize(
                topicLength: publish.topic.count, payloadLength: publish.payload.count, qos: publish.qos,
                properties: publish.properties) == viaPacket.count)
    }

    @Test("an MQTT 5 PUBLISH without properties is one byte longer than the 3.x one: the property length 0")
    func emptyPropertiesCostOneByte() {
        let publish = MQTTPacket.Publish(qos: .atLeastOnce, topic: "t", packetId: 1, payload: [9])
        let v311 = encode(.publish(publish), .v3_1_1)
        let v5 = encode(.publish(publish), .v5)
        #expect(v5 == [0x32, 0x07, 0x00, 0x01, 0x74, 0x00, 0x01, 0x00, 0x09])
        #expect(v5.count == v311.count + 1)
        #expect(
            MQTTEncoder.publishPacketSize(topicLength: 1, payloadLength: 1, qos: .atLeastOnce, properties: [])
                == MQTTEncoder.publishPacketSize(topicLength: 1, payloadLength: 1, qos: .atLeastOnce) + 1)
    }

    @Test("a topic alias passed to the fast path is written after the properties and decodes as one of them")
    func fastPathTopicAlias() throws {
        var buffer = ByteBuffer()
        [UInt8]([7]).withUnsafeBytes { payload in
            MQTTEncoder.encodePublish(
                topic: "", packetId: nil, qos: .atMostOnce, retain: false, dup: false,
                properties: [.contentType("t")], topicAlias: 3, payload: payload, into: &buffer)
        }
        #expect(buffer.readableBytesArray == [0x30, 0x0B, 0x00, 0x00, 0x07, 0x03, 0x00, 0x01, 0x74, 0x23, 0x00, 0x03, 0x07])
        let decoded = try MQTTDecoder.decode(&buffer, version: .v5, maxPacketSize: 1024)
        guard case .publish(let p)? = decoded else {
            Issue.record("not a PUBLISH: \(String(describing: decoded))")
            return
        }
        #expect(p.properties.topicAlias == 3)
        #expect(p.properties.contentType == "t")
        #expect(p.payload == [7])
    }

    @Test("MQTT 3.x layouts leave out properties, reason codes and subscription options")
    func v3LayoutsIgnoreV5Fields() {
        let reason: MQTTProperties = [.reasonString("r")]
        #expect(
            encode(.publish(.init(topic: "t", properties: [.topicAlias(1)], payload: [1])), .v3_1_1)
                == [0x30, 0x04, 0x00, 0x01, 0x74, 0x01])
        #expect(
            encode(.pubAck(.init(packetId: 7, reasonCode: .notAuthorized, properties: reason)), .v3_1_1)
                == [0x40, 0x02, 0x00, 0x07])
        #expect(encode(.pubRec(.init(packetId: 7, reasonCode: .quotaExceeded)), .v3_1) == [0x50, 0x02, 0x00, 0x07])
        #expect(
            encode(.unsubAck(.init(packetId: 7, reasonCodes: [.success], properties: reason)), .v3_1_1)
                == [0xB0, 0x02, 0x00, 0x07])
        #expect(
            encode(.subAck(.init(packetId: 7, returnCodes: [1], properties: reason)), .v3_1_1)
                == [0x90, 0x03, 0x00, 0x07, 0x01])
        #expect(encode(.disconnect(.init(reasonCode: .serverShuttingDown)), .v3_1_1) == [0xE0, 0x00])
        let subscription = MQTTPacket.Subscribe.Subscription(
            filter: "a", qos: .atLeastOnce, noLocal: true, retainAsPublished: true, retainHandling: .doNotSend)
        #expect(
            encode(
                .subscribe(.init(packetId: 1, subscriptions: [subscription], properties: [.subscriptionIdentifier(1)])),
                .v3_1_1)
                == [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01])
        #expect(
            encode(
                .unsubscribe(.init(packetId: 1, filters: ["a"], properties: [.userProperty(name: "k", value: "v")])),
                .v3_1_1)
                == [0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61])
        let connect = MQTTPacket.Connect(
            clientId: "c", will: .init(topic: "w", payload: [], properties: [.willDelayInterval(1)]),
            properties: [.sessionExpiryInterval(1)])
        #expect(
            encode(.connect(connect), .v3_1_1)
                == [0x10, 0x12, 0x00, 0x04] + Array("MQTT".utf8) + [0x04, 0x06, 0x00, 0x3C, 0x00, 0x01, 0x63]
                + [0x00, 0x01, 0x77, 0x00, 0x00])
    }

    @Test("a CONNACK answers in either version: the return code and the reason code are one outcome")
    func connAckViews() {
        #expect(encode(.connAck(.init(returnCode: .notAuthorized)), .v5) == [0x20, 0x03, 0x00, 0x87, 0x00])
        #expect(encode(.connAck(.init(reasonCode: .banned)), .v3_1_1) == [0x20, 0x02, 0x00, 0x05])
        #expect(encode(.connAck(.init(reasonCode: .serverBusy)), .v3_1_1) == [0x20, 0x02, 0x00, 0x03])
        #expect(
            encode(
                .connAck(.init(sessionPresent: true, reasonCode: .success, properties: [.serverKeepAlive(5)])), .v3_1_1)
                == [0x20, 0x02, 0x01, 0x00])
        let pairs: [(MQTTConnectReturnCode, MQTTReasonCode)] = [
            (.accepted, .success), (.unacceptableProtocolVersion, .unsupportedProtocolVersion),
            (.identifierRejected, .clientIdentifierNotValid), (.serverUnavailable, .serverUnavailable),
            (.badUsernameOrPassword, .badUserNameOrPassword), (.notAuthorized, .notAuthorized),
        ]
        for (returnCode, reasonCode) in pairs {
            #expect(MQTTPacket.ConnAck(returnCode: returnCode).reasonCode == reasonCode)
            #expect(MQTTPacket.ConnAck(reasonCode: reasonCode).returnCode == returnCode)
            #expect(MQTTPacket.ConnAck(returnCode: returnCode) == MQTTPacket.ConnAck(reasonCode: reasonCode))
        }
        var ack = MQTTPacket.ConnAck(reasonCode: .success)
        ack.returnCode = MQTTConnectReturnCode(rawValue: 0x09)
        #expect(ack.reasonCode == .unspecifiedError)
    }

    @Test("an MQTT 3.1.1 CONNACK decodes to the reason code its return code means")
    func v311ConnAckDecodesReasonCode() throws {
        var buffer = ByteBuffer(bytes: [0x20, 0x02, 0x00, 0x04])
        let packet = try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: 1 << 20)
        guard case .connAck(let ack) = packet else {
            Issue.record("expected CONNACK")
            return
        }
        #expect(ack.returnCode == .badUsernameOrPassword)
        #expect(ack.reasonCode == .badUserNameOrPassword)
        #expect(ack.properties.isEmpty)
    }
}
