import Bytes
import MQTTCodec
import Testing

/// One packet with the bytes the specification says it is, written by hand.
struct WireCase: Sendable, CustomTestStringConvertible {
    let name: String
    let packet: MQTTPacket
    /// The session version the packet is encoded and decoded in.
    var version: MQTTProtocolVersion = .v3_1_1
    let bytes: [UInt8]

    /// CONNECT is decoded before a version is known.
    var decodeVersion: MQTTProtocolVersion? { packet.type == .connect ? nil : version }

    var testDescription: String { name }
}

private typealias P = MQTTPacket

private let wireCases: [WireCase] = {
    let w = WireBytes.self
    return [
        WireCase(
            name: "CONNECT, clean session, empty client id",
            packet: .connect(P.Connect(clientId: "")),
            bytes: [0x10, 0x0C, 0x00, 0x04] + w.ascii("MQTT") + [0x04, 0x02, 0x00, 0x3C, 0x00, 0x00]),
        WireCase(
            name: "CONNECT with will, user name and password",
            packet: .connect(
                P.Connect(
                    cleanSession: false, keepAlive: 10, clientId: "c1",
                    will: P.Connect.Will(topic: "w/t", payload: w.ascii("bye"), qos: .atLeastOnce, retain: true),
                    username: "u", password: w.ascii("pw"))),
            // flags: user name 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04
            bytes: [0x10, 0x1F, 0x00, 0x04] + w.ascii("MQTT") + [0x04, 0xEC, 0x00, 0x0A]
                + [0x00, 0x02] + w.ascii("c1") + [0x00, 0x03] + w.ascii("w/t") + [0x00, 0x03] + w.ascii("bye")
                + [0x00, 0x01] + w.ascii("u") + [0x00, 0x02] + w.ascii("pw")),
        WireCase(
            name: "CONNECT, MQTT 3.1 (MQIsdp, level 3)",
            packet: .connect(P.Connect(protocolVersion: .v3_1, keepAlive: 30, clientId: "old")),
            version: .v3_1,
            bytes: [0x10, 0x11, 0x00, 0x06] + w.ascii("MQIsdp") + [0x03, 0x02, 0x00, 0x1E, 0x00, 0x03]
                + w.ascii("old")),
        WireCase(
            name: "CONNACK, session present, accepted",
            packet: .connAck(P.ConnAck(sessionPresent: true, returnCode: .accepted)),
            bytes: [0x20, 0x02, 0x01, 0x00]),
        WireCase(
            name: "CONNACK, not authorized",
            packet: .connAck(P.ConnAck(returnCode: .notAuthorized)),
            bytes: [0x20, 0x02, 0x00, 0x05]),
        WireCase(
            name: "CONNACK, MQTT 3.1",
            packet: .connAck(P.ConnAck(returnCode: .identifierRejected)), version: .v3_1,
            bytes: [0x20, 0x02, 0x00, 0x02]),
        WireCase(
            name: "PUBLISH QoS 0",
            packet: .publish(P.Publish(topic: "a/b", payload: w.ascii("hi"))),
            bytes: [0x30, 0x07, 0x00, 0x03] + w.ascii("a/b") + w.ascii("hi")),
        WireCase(
            name: "PUBLISH QoS 1, DUP, RETAIN",
            packet: .publish(
                P.Publish(
                    dup: true, qos: .atLeastOnce, retain: true, topic: "a/b", packetId: 10, payload: w.ascii("hi"))),
            bytes: [0x3B, 0x09, 0x00, 0x03] + w.ascii("a/b") + [0x00, 0x0A] + w.ascii("hi")),
        WireCase(
            name: "PUBLISH QoS 2, empty payload, UTF-8 topic",
            packet: .publish(P.Publish(qos: .exactlyOnce, topic: "é/ü", packetId: 0xFFFF, payload: [])),
            bytes: [0x34, 0x09, 0x00, 0x05, 0xC3, 0xA9, 0x2F, 0xC3, 0xBC, 0xFF, 0xFF]),
        WireCase(name: "PUBACK", packet: .pubAck(P.PubAck(packetId: 7)), bytes: [0x40, 0x02, 0x00, 0x07]),
        WireCase(name: "PUBREC", packet: .pubRec(P.PubRec(packetId: 7)), bytes: [0x50, 0x02, 0x00, 0x07]),
        WireCase(name: "PUBREL", packet: .pubRel(P.PubRel(packetId: 0x0102)), bytes: [0x62, 0x02, 0x01, 0x02]),
        WireCase(name: "PUBCOMP", packet: .pubComp(P.PubComp(packetId: 7)), bytes: [0x70, 0x02, 0x00, 0x07]),
        WireCase(
            name: "SUBSCRIBE, two filters",
            packet: .subscribe(
                P.Subscribe(
                    packetId: 10,
                    subscriptions: [
                        P.Subscribe.Subscription(filter: "a/+", qos: .atLeastOnce),
                        P.Subscribe.Subscription(filter: "#", qos: .exactlyOnce),
                    ])),
            bytes: [0x82, 0x0C, 0x00, 0x0A, 0x00, 0x03] + w.ascii("a/+") + [0x01, 0x00, 0x01] + w.ascii("#") + [0x02]),
        WireCase(
            name: "SUBACK, granted and failed",
            packet: .subAck(P.SubAck(packetId: 10, returnCodes: [0x00, 0x02, P.SubAck.failure])),
            bytes: [0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80]),
        WireCase(
            name: "UNSUBSCRIBE, two filters",
            packet: .unsubscribe(P.Unsubscribe(packetId: 11, filters: ["a/+", "#"])),
            bytes: [0xA2, 0x0A, 0x00, 0x0B, 0x00, 0x03] + w.ascii("a/+") + [0x00, 0x01] + w.ascii("#")),
        WireCase(name: "UNSUBACK", packet: .unsubAck(P.UnsubAck(packetId: 11)), bytes: [0xB0, 0x02, 0x00, 0x0B]),
        WireCase(name: "PINGREQ", packet: .pingReq, bytes: [0xC0, 0x00]),
        WireCase(name: "PINGRESP", packet: .pingResp, bytes: [0xD0, 0x00]),
        WireCase(name: "DISCONNECT", packet: .disconnect(P.Disconnect()), bytes: [0xE0, 0x00]),
    ]
}()

@Suite("MQTT packets round-trip byte for byte")
struct MQTTRoundTripTests {
    @Test("encodes to the bytes the spec gives", arguments: wireCases)
    func encodes(_ c: WireCase) {
        var buffer = ByteBuffer()
        MQTTEncoder.encode(c.packet, version: c.version, into: &buffer)
        #expect(buffer.readableBytesArray == c.bytes)
    }

    @Test("decodes when all bytes arrive at once", arguments: wireCases)
    func decodesAllAtOnce(_ c: WireCase) throws {
        var buffer = ByteBuffer(bytes: c.bytes)
        let packet = try MQTTDecoder.decode(&buffer, version: c.decodeVersion, maxPacketSize: 1 << 20)
        #expect(packet == c.packet)
        #expect(buffer.readableBytes == 0)
    }

    @Test("decodes when fed one byte at a time", arguments: wireCases)
    func decodesByteByByte(_ c: WireCase) throws {
        var buffer = ByteBuffer()
        for (i, byte) in c.bytes.enumerated() {
            buffer.writeUInt8(byte)
            let packet = try MQTTDecoder.decode(&buffer, version: c.decodeVersion, maxPacketSize: 1 << 20)
            if i < c.bytes.count - 1 {
                #expect(packet == nil, "a packet came out after \(i + 1) of \(c.bytes.count) bytes")
                #expect(buffer.readableBytes == i + 1, "an incomplete packet must stay in the buffer")
            } else {
                #expect(packet == c.packet)
                #expect(buffer.readableBytes == 0)
            }
        }
    }

    @Test("decodes several packets from one buffer, leaving a partial one for later")
    func decodesSeveralInOneBuffer() throws {
        let connect = wireCases[1]
        let others = wireCases.filter { $0.packet.type != .connect && $0.version == .v3_1_1 }
        var buffer = ByteBuffer(bytes: connect.bytes + others.flatMap(\.bytes) + [0x30, 0x07, 0x00])

        #expect(try MQTTDecoder.decode(&buffer, version: nil, maxPacketSize: 1 << 20) == connect.packet)
        var decoded: [MQTTPacket] = []
        while let packet = try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: 1 << 20) {
            decoded.append(packet)
        }
        #expect(decoded == others.map(\.packet))
        #expect(buffer.readableBytesArray == [0x30, 0x07, 0x00])
    }

    @Test("several packets fed byte by byte all come out, in order")
    func decodesSeveralByteByByte() throws {
        let others = wireCases.filter { $0.packet.type != .connect && $0.version == .v3_1_1 }
        let decoded = try WireBytes.decodeByteByByte(others.flatMap(\.bytes), version: .v3_1_1)
        #expect(decoded == others.map(\.packet))
    }
}
