import Bytes
import MQTTCodec
import Testing

/// A packet that breaks one rule, named after the clause it breaks. The error message must start with `clause`.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let clause: String
    let what: String
    let bytes: [UInt8]
    var version: MQTTProtocolVersion? = .v3_1_1
    let code: MQTTProtocolError.Code

    var testDescription: String { "\(clause) \(what) is rejected" }
}

private let malformedCases: [MalformedCase] = {
    let w = WireBytes.self
    let p = WireBytes.packet
    return [
        // Fixed header flags [MQTT-2.2.2-1/2].
        MalformedCase(
            clause: "[MQTT-2.2.2-1]", what: "PUBACK with flags 0b0001", bytes: p(0x41, [0, 1]), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-2.2.2-1]", what: "PINGREQ with flags 0b1000", bytes: p(0xC8, []), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-2.2.2-1]", what: "CONNECT with flags 0b0001", bytes: [0x11, 0x00], version: nil,
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.6.1-1]", what: "PUBREL with flags 0b0000", bytes: p(0x60, [0, 1]), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.8.1-1]", what: "SUBSCRIBE with flags 0b0000",
            bytes: p(0x80, [0, 1] + w.string("a") + [0]),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.10.1-1]", what: "UNSUBSCRIBE with flags 0b0000", bytes: p(0xA0, [0, 1] + w.string("a")),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.14.1-1]", what: "DISCONNECT with flags 0b0010", bytes: p(0xE2, []), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.1]", what: "reserved packet type 0", bytes: p(0x00, []), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.1]", what: "reserved packet type 15", bytes: p(0xF0, []), code: .malformedPacket),

        // PUBLISH.
        MalformedCase(
            clause: "[MQTT-3.3.1-4]", what: "PUBLISH with QoS 3", bytes: p(0x36, w.string("a") + [0, 1]),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.3.1-2]", what: "PUBLISH QoS 0 with DUP", bytes: p(0x38, w.string("a")),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.3.2-2]", what: "PUBLISH topic with '+'", bytes: p(0x30, w.string("a/+")),
            code: .topicNameInvalid),
        MalformedCase(
            clause: "[MQTT-3.3.2-2]", what: "PUBLISH topic with '#'", bytes: p(0x30, w.string("a/#")),
            code: .topicNameInvalid),
        MalformedCase(
            clause: "[MQTT-4.7.3-1]", what: "PUBLISH with an empty topic", bytes: p(0x30, w.string("") + [1]),
            code: .topicNameInvalid),

        // Packet identifiers [MQTT-2.3.1-1].
        MalformedCase(
            clause: "[MQTT-2.3.1-1]", what: "PUBLISH QoS 1 with packet id 0", bytes: p(0x32, w.string("a") + [0, 0]),
            code: .protocolError),
        MalformedCase(
            clause: "[MQTT-2.3.1-1]", what: "SUBSCRIBE with packet id 0", bytes: p(0x82, [0, 0] + w.string("a") + [0]),
            code: .protocolError),
        MalformedCase(
            clause: "[MQTT-2.3.1-1]", what: "UNSUBSCRIBE with packet id 0", bytes: p(0xA2, [0, 0] + w.string("a")),
            code: .protocolError),
        MalformedCase(
            clause: "[MQTT-2.3.1-1]", what: "PUBACK with packet id 0", bytes: p(0x40, [0, 0]), code: .protocolError),

        // UTF-8 strings [MQTT-1.5.3-1/2].
        MalformedCase(
            clause: "[MQTT-1.5.3-1]", what: "PUBLISH topic with a truncated UTF-8 sequence",
            bytes: p(0x30, w.field([0x61, 0xC3, 0x28])), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-1.5.3-1]", what: "PUBLISH topic with an encoded UTF-16 surrogate",
            bytes: p(0x30, w.field([0xED, 0xA0, 0x80])), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-1.5.3-1]", what: "PUBLISH topic with an overlong encoding of '/'",
            bytes: p(0x30, w.field([0x61, 0xC0, 0xAF])), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-1.5.3-2]", what: "PUBLISH topic with U+0000", bytes: p(0x30, w.field([0x61, 0x00, 0x62])),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-1.5.3-1]", what: "CONNECT client id that is not UTF-8",
            bytes: w.connect(flags: 0x02, payload: w.field([0xFF])), version: nil, code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-1.5.3-2]", what: "CONNECT user name with U+0000",
            bytes: w.connect(flags: 0x82, payload: w.string("c") + w.field([0x75, 0x00])), version: nil,
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-1.5.3-1]", what: "SUBSCRIBE filter that is not UTF-8",
            bytes: p(0x82, [0, 1] + w.field([0x61, 0x80]) + [0]), code: .malformedPacket),

        // Topic filters [MQTT-4.7.1-2/3].
        MalformedCase(
            clause: "[MQTT-4.7.1-2]", what: "SUBSCRIBE filter with '#' before the last level",
            bytes: p(0x82, [0, 1] + w.string("a/#/b") + [0]), code: .topicFilterInvalid),
        MalformedCase(
            clause: "[MQTT-4.7.1-2]", what: "SUBSCRIBE filter with '#' inside a level",
            bytes: p(0x82, [0, 1] + w.string("a#") + [0]), code: .topicFilterInvalid),
        MalformedCase(
            clause: "[MQTT-4.7.1-3]", what: "SUBSCRIBE filter with '+' inside a level",
            bytes: p(0x82, [0, 1] + w.string("a+/b") + [0]), code: .topicFilterInvalid),
        MalformedCase(
            clause: "[MQTT-4.7.3-1]", what: "SUBSCRIBE with an empty filter",
            bytes: p(0x82, [0, 1] + w.string("") + [0]),
            code: .topicFilterInvalid),
        MalformedCase(
            clause: "[MQTT-4.7.1-3]", what: "UNSUBSCRIBE filter with '+' inside a level",
            bytes: p(0xA2, [0, 1] + w.string("a/b+")), code: .topicFilterInvalid),

        // SUBSCRIBE, SUBACK, UNSUBSCRIBE payloads.
        MalformedCase(
            clause: "[MQTT-3.8.3-3]", what: "SUBSCRIBE with no topic filters", bytes: p(0x82, [0, 1]),
            code: .protocolError),
        MalformedCase(
            clause: "[MQTT-3-8.3-4]", what: "SUBSCRIBE requesting QoS 3", bytes: p(0x82, [0, 1] + w.string("a") + [3]),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3-8.3-4]", what: "SUBSCRIBE with reserved bits in the requested QoS byte",
            bytes: p(0x82, [0, 1] + w.string("a") + [0x05]), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.10.3-2]", what: "UNSUBSCRIBE with no topic filters", bytes: p(0xA2, [0, 1]),
            code: .protocolError),
        MalformedCase(
            clause: "[MQTT-3.9.3-2]", what: "SUBACK with return code 0x03", bytes: p(0x90, [0, 1, 3]),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.9.3-1]", what: "SUBACK with no return codes", bytes: p(0x90, [0, 1]), code: .protocolError),

        // CONNACK.
        MalformedCase(
            clause: "[MQTT-3.2.2-4]", what: "CONNACK refusal with session present", bytes: p(0x20, [1, 5]),
            code: .protocolError),
        MalformedCase(
            clause: "[MQTT §3.2.2.1]", what: "CONNACK with reserved acknowledge flags", bytes: p(0x20, [2, 0]),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §3.2.2.3]", what: "CONNACK with return code 6", bytes: p(0x20, [0, 6]),
            code: .malformedPacket),

        // Connection state [MQTT-3.1.0-1/2].
        MalformedCase(
            clause: "[MQTT-3.1.0-1]", what: "PUBLISH before CONNECT", bytes: p(0x30, w.string("a")), version: nil,
            code: .protocolError),
        MalformedCase(
            clause: "[MQTT-3.1.0-1]", what: "PINGREQ before CONNECT", bytes: p(0xC0, []), version: nil,
            code: .protocolError),
        MalformedCase(
            clause: "[MQTT-3.1.0-2]", what: "a second CONNECT", bytes: w.connect(flags: 0x02, payload: w.string("c")),
            code: .protocolError),

        // CONNECT variable header and payload.
        MalformedCase(
            clause: "[MQTT-3.1.2-1]", what: "CONNECT with protocol name MQTX",
            bytes: w.connect(name: "MQTX", flags: 0x02, payload: w.string("c")), version: nil, code: .protocolError),
        MalformedCase(
            clause: "[MQTT-3.1.2-2]", what: "CONNECT with protocol name MQTT and level 3",
            bytes: w.connect(level: 3, flags: 0x02, payload: w.string("c")), version: nil,
            code: .unsupportedProtocolVersion),
        MalformedCase(
            clause: "[MQTT-3.1.2-2]", what: "CONNECT with protocol name MQIsdp and level 4",
            bytes: w.connect(name: "MQIsdp", level: 4, flags: 0x02, payload: w.string("c")), version: nil,
            code: .unsupportedProtocolVersion),
        MalformedCase(
            clause: "[MQTT-3.1.2-3]", what: "CONNECT with the reserved flag set",
            bytes: w.connect(flags: 0x03, payload: w.string("c")), version: nil, code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.1.2-13]", what: "CONNECT with will QoS but no will flag",
            bytes: w.connect(flags: 0x0A, payload: w.string("c")), version: nil, code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.1.2-15]", what: "CONNECT with will retain but no will flag",
            bytes: w.connect(flags: 0x22, payload: w.string("c")), version: nil, code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.1.2-14]", what: "CONNECT with will QoS 3",
            bytes: w.connect(flags: 0x1E, payload: w.string("c") + w.string("w") + w.string("m")), version: nil,
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT-3.1.2-22]", what: "CONNECT with a password but no user name",
            bytes: w.connect(flags: 0x42, payload: w.string("c") + w.string("pw")), version: nil, code: .protocolError),
        MalformedCase(
            clause: "[MQTT-3.3.2-2]", what: "CONNECT with a wildcard will topic",
            bytes: w.connect(flags: 0x06, payload: w.string("c") + w.string("w/#") + w.string("m")), version: nil,
            code: .topicNameInvalid),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "CONNECT with will fields but no will flag [MQTT-3.1.2-11]",
            bytes: w.connect(flags: 0x02, payload: w.string("c") + w.string("w") + w.string("m")), version: nil,
            code: .malformedPacket),

        // Remaining length against content (MQTT 3.1.1 §2.2.3).
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "PUBACK with an extra byte", bytes: p(0x40, [0, 1, 0]),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "PUBREL one byte short", bytes: p(0x62, [0]), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "PINGREQ with a body", bytes: p(0xC0, [0]), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "DISCONNECT with a body", bytes: p(0xE0, [0]), code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "CONNECT with a byte after the client id",
            bytes: w.connect(flags: 0x02, payload: w.string("c") + [0]), version: nil, code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "CONNECT that ends before its keep alive",
            bytes: p(0x10, w.string("MQTT") + [4, 2, 0]), version: nil, code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "CONNECT with the user name flag but no user name",
            bytes: w.connect(flags: 0x82, payload: w.string("c")), version: nil, code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "PUBLISH QoS 1 too short for its packet id",
            bytes: p(0x32, w.string("a") + [0]),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "PUBLISH whose topic length runs past the packet",
            bytes: p(0x30, [0, 5, 0x61]),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "SUBSCRIBE filter without its requested QoS",
            bytes: p(0x82, [0, 1] + w.string("a")),
            code: .malformedPacket),
        MalformedCase(
            clause: "[MQTT §2.2.3]", what: "remaining length of five bytes",
            bytes: [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            code: .malformedPacket),
    ]
}()

@Suite("MQTT packets that break the spec are rejected")
struct MQTTMalformedPacketTests {
    @Test("rejected when the whole packet arrives at once", arguments: malformedCases)
    func rejectedAllAtOnce(_ c: MalformedCase) {
        var buffer = ByteBuffer(bytes: c.bytes)
        do {
            let packet = try MQTTDecoder.decode(&buffer, version: c.version, maxPacketSize: 1 << 20)
            Issue.record("decoded \(String(describing: packet)) instead of rejecting it")
        } catch {
            #expect(error.code == c.code)
            #expect(error.message.hasPrefix(c.clause), "message: \(error.message)")
        }
    }

    @Test("rejected, with the same error, when fed one byte at a time", arguments: malformedCases)
    func rejectedByteByByte(_ c: MalformedCase) {
        do {
            let packets = try WireBytes.decodeByteByByte(c.bytes, version: c.version)
            Issue.record("decoded \(packets) instead of rejecting the bytes")
        } catch {
            #expect(error.code == c.code)
            #expect(error.message.hasPrefix(c.clause), "message: \(error.message)")
        }
    }
}
