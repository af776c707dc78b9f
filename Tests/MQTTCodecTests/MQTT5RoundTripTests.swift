import Bytes
import MQTTCodec
import Testing

/// One MQTT 5 packet with the bytes MQTT 5.0 §3 lays it out as, written by hand.
struct Wire5Case: Sendable, CustomTestStringConvertible {
    let name: String
    let packet: MQTTPacket
    let bytes: [UInt8]

    /// CONNECT is decoded before a version is known (accepting level 5); everything else in an MQTT 5 session.
    var decodeVersion: MQTTProtocolVersion? { packet.type == .connect ? nil : .v5 }

    var testDescription: String { name }
}

private typealias P = MQTTPacket

private let wire5Cases: [Wire5Case] = {
    let w = WireBytes.self
    return [
        Wire5Case(
            name: "CONNECT, clean start, no properties, empty client id",
            packet: .connect(P.Connect(protocolVersion: .v5, clientId: "")),
            bytes: [0x10, 0x0D, 0x00, 0x04] + w.ascii("MQTT") + [0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x00]),
        Wire5Case(
            name: "CONNECT with properties, will properties, user name and password",
            packet: .connect(
                P.Connect(
                    protocolVersion: .v5, cleanSession: false, keepAlive: 10, clientId: "c1",
                    will: P.Connect.Will(
                        topic: "w/t", payload: w.ascii("bye"), qos: .atLeastOnce, retain: true,
                        properties: [.willDelayInterval(5), .payloadFormatIndicator(true)]),
                    username: "u", password: w.ascii("pw"),
                    properties: [
                        .sessionExpiryInterval(120), .receiveMaximum(10), .userProperty(name: "k", value: "v"),
                    ])),
            // flags: user name 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04
            bytes: [0x10, 0x37, 0x00, 0x04] + w.ascii("MQTT") + [0x05, 0xEC, 0x00, 0x0A]
                + [0x0F, 0x11, 0x00, 0x00, 0x00, 0x78, 0x21, 0x00, 0x0A, 0x26, 0x00, 0x01, 0x6B, 0x00, 0x01, 0x76]
                + [0x00, 0x02] + w.ascii("c1") + [0x07, 0x18, 0x00, 0x00, 0x00, 0x05, 0x01, 0x01]
                + [0x00, 0x03] + w.ascii("w/t") + [0x00, 0x03] + w.ascii("bye")
                + [0x00, 0x01] + w.ascii("u") + [0x00, 0x02] + w.ascii("pw")),
        Wire5Case(
            name: "CONNECT with a password and no user name (allowed in MQTT 5)",
            packet: .connect(P.Connect(protocolVersion: .v5, clientId: "c", password: w.ascii("tok"))),
            bytes: [0x10, 0x13, 0x00, 0x04] + w.ascii("MQTT") + [0x05, 0x42, 0x00, 0x3C, 0x00]
                + [0x00, 0x01] + w.ascii("c") + [0x00, 0x03] + w.ascii("tok")),
        Wire5Case(
            name: "CONNACK, success, no properties",
            packet: .connAck(P.ConnAck(reasonCode: .success)),
            bytes: [0x20, 0x03, 0x00, 0x00, 0x00]),
        Wire5Case(
            name: "CONNACK, session present, with properties",
            packet: .connAck(
                P.ConnAck(
                    sessionPresent: true, reasonCode: .success,
                    properties: [
                        .topicAliasMaximum(10), .assignedClientIdentifier("auto-1"), .maximumQoS(.atLeastOnce),
                    ]
                )),
            bytes: [0x20, 0x11, 0x01, 0x00, 0x0E, 0x22, 0x00, 0x0A, 0x12, 0x00, 0x06] + w.ascii("auto-1")
                + [0x24, 0x01]),
        Wire5Case(
            name: "CONNACK, not authorized",
            packet: .connAck(P.ConnAck(reasonCode: .notAuthorized)),
            bytes: [0x20, 0x03, 0x00, 0x87, 0x00]),
        Wire5Case(
            name: "PUBLISH QoS 0, no properties",
            packet: .publish(P.Publish(topic: "a/b", payload: w.ascii("hi"))),
            bytes: [0x30, 0x08, 0x00, 0x03] + w.ascii("a/b") + [0x00] + w.ascii("hi")),
        Wire5Case(
            name: "PUBLISH QoS 1, RETAIN, with properties",
            packet: .publish(
                P.Publish(
                    qos: .atLeastOnce, retain: true, topic: "a/b", packetId: 10,
                    properties: [
                        .messageExpiryInterval(60), .contentType("text/plain"), .userProperty(name: "k", value: "v"),
                    ],
                    payload: w.ascii("hi"))),
            bytes: [0x33, 0x23, 0x00, 0x03] + w.ascii("a/b") + [0x00, 0x0A, 0x19, 0x02, 0x00, 0x00, 0x00, 0x3C]
                + [0x03, 0x00, 0x0A] + w.ascii("text/plain") + [0x26, 0x00, 0x01, 0x6B, 0x00, 0x01, 0x76]
                + w.ascii("hi")),
        Wire5Case(
            name: "PUBLISH with an empty topic name and a topic alias",
            packet: .publish(P.Publish(topic: "", properties: [.topicAlias(1)], payload: [0x01])),
            bytes: [0x30, 0x07, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01, 0x01]),
        Wire5Case(
            name: "PUBLISH from the server with two subscription identifiers",
            packet: .publish(
                P.Publish(
                    qos: .exactlyOnce, topic: "t", packetId: 1,
                    properties: [.subscriptionIdentifier(1), .subscriptionIdentifier(16_384)], payload: [])),
            bytes: [0x34, 0x0C, 0x00, 0x01, 0x74, 0x00, 0x01, 0x06, 0x0B, 0x01, 0x0B, 0x80, 0x80, 0x01]),
        Wire5Case(
            name: "PUBACK, success without properties (reason code omitted)",
            packet: .pubAck(P.PubAck(packetId: 7)),
            bytes: [0x40, 0x02, 0x00, 0x07]),
        Wire5Case(
            name: "PUBACK, reason code without properties",
            packet: .pubAck(P.PubAck(packetId: 7, reasonCode: .noMatchingSubscribers)),
            bytes: [0x40, 0x03, 0x00, 0x07, 0x10]),
        Wire5Case(
            name: "PUBACK, error with a reason string",
            packet: .pubAck(P.PubAck(packetId: 7, reasonCode: .notAuthorized, properties: [.reasonString("no")])),
            bytes: [0x40, 0x09, 0x00, 0x07, 0x87, 0x05, 0x1F, 0x00, 0x02, 0x6E, 0x6F]),
        Wire5Case(
            name: "PUBACK, success with a user property",
            packet: .pubAck(P.PubAck(packetId: 7, properties: [.userProperty(name: "a", value: "b")])),
            bytes: [0x40, 0x0B, 0x00, 0x07, 0x00, 0x07, 0x26, 0x00, 0x01, 0x61, 0x00, 0x01, 0x62]),
        Wire5Case(
            name: "PUBREC, quota exceeded",
            packet: .pubRec(P.PubRec(packetId: 7, reasonCode: .quotaExceeded)),
            bytes: [0x50, 0x03, 0x00, 0x07, 0x97]),
        Wire5Case(
            name: "PUBREL, packet identifier not found",
            packet: .pubRel(P.PubRel(packetId: 0x0102, reasonCode: .packetIdentifierNotFound)),
            bytes: [0x62, 0x03, 0x01, 0x02, 0x92]),
        Wire5Case(name: "PUBCOMP, success", packet: .pubComp(P.PubComp(packetId: 7)), bytes: [0x70, 0x02, 0x00, 0x07]),
        Wire5Case(
            name: "SUBSCRIBE with a subscription identifier and subscription options",
            packet: .subscribe(
                P.Subscribe(
                    packetId: 10,
                    subscriptions: [
                        P.Subscribe.Subscription(
                            filter: "a/+", qos: .atLeastOnce, noLocal: true, retainAsPublished: true,
                            retainHandling: .doNotSend),
                        P.Subscribe.Subscription(
                            filter: "$share/g/#", qos: .exactlyOnce, retainHandling: .sendOnNewSubscription),
                    ],
                    properties: [.subscriptionIdentifier(300)])),
            // options: QoS 1 | No Local 0x04 | Retain As Published 0x08 | Retain Handling 2 << 4; QoS 2 | 1 << 4
            bytes: [0x82, 0x19, 0x00, 0x0A, 0x03, 0x0B, 0xAC, 0x02, 0x00, 0x03] + w.ascii("a/+") + [0x2D]
                + [0x00, 0x0A] + w.ascii("$share/g/#") + [0x12]),
        Wire5Case(
            name: "SUBACK with reason codes",
            packet: .subAck(P.SubAck(packetId: 10, returnCodes: [0x01, 0x02, 0x87, 0xA2])),
            bytes: [0x90, 0x07, 0x00, 0x0A, 0x00, 0x01, 0x02, 0x87, 0xA2]),
        Wire5Case(
            name: "SUBACK with a reason string",
            packet: .subAck(P.SubAck(packetId: 10, returnCodes: [0x00], properties: [.reasonString("ok")])),
            bytes: [0x90, 0x09, 0x00, 0x0A, 0x05, 0x1F, 0x00, 0x02, 0x6F, 0x6B, 0x00]),
        Wire5Case(
            name: "UNSUBSCRIBE with a user property",
            packet: .unsubscribe(
                P.Unsubscribe(packetId: 11, filters: ["a/+", "#"], properties: [.userProperty(name: "k", value: "v")])),
            bytes: [0xA2, 0x12, 0x00, 0x0B, 0x07, 0x26, 0x00, 0x01, 0x6B, 0x00, 0x01, 0x76, 0x00, 0x03]
                + w.ascii("a/+") + [0x00, 0x01] + w.ascii("#")),
        Wire5Case(
            name: "UNSUBACK with reason codes",
            packet: .unsubAck(P.UnsubAck(packetId: 11, reasonCodes: [.success, .noSubscriptionExisted])),
            bytes: [0xB0, 0x05, 0x00, 0x0B, 0x00, 0x00, 0x11]),
        Wire5Case(name: "PINGREQ", packet: .pingReq, bytes: [0xC0, 0x00]),
        Wire5Case(name: "PINGRESP", packet: .pingResp, bytes: [0xD0, 0x00]),
        Wire5Case(
            name: "DISCONNECT, normal disconnection (empty)", packet: .disconnect(P.Disconnect()),
            bytes: [0xE0, 0x00]),
        Wire5Case(
            name: "DISCONNECT from the server, session taken over (reason code only)",
            packet: .disconnect(P.Disconnect(reasonCode: .sessionTakenOver)),
            bytes: [0xE0, 0x01, 0x8E]),
        Wire5Case(
            name: "DISCONNECT, use another server, with a server reference",
            packet: .disconnect(P.Disconnect(reasonCode: .useAnotherServer, properties: [.serverReference("b:1883")])),
            bytes: [0xE0, 0x0B, 0x9C, 0x09, 0x1C, 0x00, 0x06] + w.ascii("b:1883")),
        Wire5Case(
            name: "DISCONNECT, normal, with a session expiry interval",
            packet: .disconnect(P.Disconnect(properties: [.sessionExpiryInterval(0)])),
            bytes: [0xE0, 0x07, 0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x00]),
        Wire5Case(name: "AUTH, success (empty)", packet: .auth(P.Auth()), bytes: [0xF0, 0x00]),
        Wire5Case(
            name: "AUTH, continue authentication with method and data",
            packet: .auth(
                P.Auth(
                    reasonCode: .continueAuthentication,
                    properties: [.authenticationMethod("SCRAM-SHA-1"), .authenticationData([1, 2, 3])])),
            bytes: [0xF0, 0x16, 0x18, 0x14, 0x15, 0x00, 0x0B] + w.ascii("SCRAM-SHA-1") + [0x16, 0x00, 0x03, 1, 2, 3]),
    ]
}()

/// Bytes that are valid but not what the encoder writes (it takes the shortest form), with the packet they mean.
private let longerForms: [Wire5Case] = [
    Wire5Case(
        name: "PUBACK with Success and a property length of 0", packet: .pubAck(P.PubAck(packetId: 7)),
        bytes: [0x40, 0x04, 0x00, 0x07, 0x00, 0x00]),
    Wire5Case(
        name: "PUBREL with Success and no property length", packet: .pubRel(P.PubRel(packetId: 7)),
        bytes: [0x62, 0x03, 0x00, 0x07, 0x00]),
    Wire5Case(
        name: "DISCONNECT with Normal disconnection and no property length", packet: .disconnect(P.Disconnect()),
        bytes: [0xE0, 0x01, 0x00]),
    Wire5Case(
        name: "DISCONNECT with Normal disconnection and a property length of 0", packet: .disconnect(P.Disconnect()),
        bytes: [0xE0, 0x02, 0x00, 0x00]),
    Wire5Case(
        name: "AUTH with Success and a property length of 0", packet: .auth(P.Auth()), bytes: [0xF0, 0x02, 0x00, 0x00]),
]

@Suite("MQTT 5 packets round-trip byte for byte")
struct MQTT5RoundTripTests {
    @Test("encodes to the bytes MQTT 5.0 §3 gives", arguments: wire5Cases)
    func encodes(_ c: Wire5Case) {
        #expect(WireBytes.encode5(c.packet) == c.bytes)
    }

    @Test("decodes when all bytes arrive at once", arguments: wire5Cases + longerForms)
    func decodesAllAtOnce(_ c: Wire5Case) throws {
        var buffer = ByteBuffer(bytes: c.bytes)
        let packet = try MQTTDecoder.decode(
            &buffer, version: c.decodeVersion, maxPacketSize: 1 << 20, acceptsMQTT5: true)
        #expect(packet == c.packet)
        #expect(buffer.readableBytes == 0)
    }

    @Test("decodes when fed one byte at a time", arguments: wire5Cases + longerForms)
    func decodesByteByByte(_ c: Wire5Case) throws {
        var buffer = ByteBuffer()
        for (i, byte) in c.bytes.enumerated() {
            buffer.writeUInt8(byte)
            let packet = try MQTTDecoder.decode(
                &buffer, version: c.decodeVersion, maxPacketSize: 1 << 20, acceptsMQTT5: true)
            if i < c.bytes.count - 1 {
                #expect(packet == nil, "a packet came out after \(i + 1) of \(c.bytes.count) bytes")
                #expect(buffer.readableBytes == i + 1, "an incomplete packet must stay in the buffer")
            } else {
                #expect(packet == c.packet)
                #expect(buffer.readableBytes == 0)
            }
        }
    }

    @Test("a whole MQTT 5 session, CONNECT first, decodes in order in bulk and byte by byte")
    func decodesSession() throws {
        let connect = wire5Cases[1]
        let others = wire5Cases.filter { $0.packet.type != .connect }
        let bytes = connect.bytes + others.flatMap(\.bytes)
        let expected = [connect.packet] + others.map(\.packet)
        #expect(try WireBytes.decode5(bytes, version: nil, byteByByte: false) == expected)
        #expect(try WireBytes.decode5(bytes, version: nil, byteByByte: true) == expected)
    }
}
