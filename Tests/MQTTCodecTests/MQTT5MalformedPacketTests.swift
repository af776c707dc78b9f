import Bytes
import MQTTCodec
import Testing

/// Bytes of an MQTT 5 session (or, with `version` nil, a CONNECT decoded accepting level 5) that break one rule,
/// named after the clause or section that states it. The error message must start with `clause`.
struct Malformed5Case: Sendable, CustomTestStringConvertible {
    let clause: String
    let what: String
    let bytes: [UInt8]
    var version: MQTTProtocolVersion? = .v5
    var acceptsMQTT5 = true
    let code: MQTTProtocolError.Code

    var testDescription: String { "\(clause) \(what) is rejected" }
}

private let malformed5Cases: [Malformed5Case] = {
    let w = WireBytes.self
    let p = WireBytes.packet5
    let props = WireBytes.properties
    /// A QoS 0 PUBLISH to "t" with these property bytes and payload "x".
    let publish = { (propertyBytes: [UInt8]) in p(0x30, w.string("t") + props(propertyBytes) + [0x78]) }
    /// A CONNECT with these property bytes.
    let connect = { (propertyBytes: [UInt8]) in
        w.connect5(flags: 0x02, properties: props(propertyBytes), payload: w.string("c"))
    }
    /// A CONNACK (Success) with these property bytes.
    let connAck = { (propertyBytes: [UInt8]) in p(0x20, [0x00, 0x00] + props(propertyBytes)) }
    return [
        // Fixed header and remaining length.
        Malformed5Case(
            clause: "[MQTT5 §2.1.2]", what: "packet type 0", bytes: [0x00, 0x00], code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-2.1.3-1]", what: "PUBACK with flags 0b0001", bytes: [0x41, 0x02, 0x00, 0x01],
            code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.15.1-1]", what: "AUTH with flags 0b0001", bytes: [0xF1, 0x00], code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.14.1-1]", what: "DISCONNECT with flags 0b0100", bytes: [0xE4, 0x00],
            code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-1.5.5-1]", what: "a remaining length in more bytes than it needs",
            bytes: [0xC0, 0x80, 0x00], code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.1.4]", what: "PINGREQ with a body", bytes: [0xC0, 0x01, 0x00], code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.1.4]", what: "CONNACK with a byte after its properties",
            bytes: [0x20, 0x04, 0x00, 0x00, 0x00, 0xFF], code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.1.4]", what: "CONNACK without a property length", bytes: [0x20, 0x02, 0x00, 0x00],
            code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.1.4]", what: "PUBLISH without a property length", bytes: p(0x30, w.string("t")),
            code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.1.4]", what: "PUBACK one byte short", bytes: [0x40, 0x01, 0x00],
            code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.1.4]", what: "AUTH with a reason code but no property length",
            bytes: [0xF0, 0x01, 0x18], code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.1.0-1]", what: "AUTH before CONNECT", bytes: [0xF0, 0x00], version: nil,
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.1.0-2]", what: "a second CONNECT",
            bytes: w.connect5(flags: 0x02, payload: w.string("c")), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §2.2.1]", what: "PUBLISH QoS 1 with packet identifier 0",
            bytes: p(0x32, w.string("t") + [0x00, 0x00, 0x00]), code: .protocolError),

        // Property lengths and identifiers (§2.2.2).
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.1]", what: "PUBACK whose property length runs past the packet",
            bytes: [0x40, 0x04, 0x00, 0x01, 0x00, 0x05], code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.1]", what: "PUBLISH whose Message Expiry Interval runs past the property length",
            bytes: p(0x30, w.string("t") + [0x02, 0x02, 0x00, 0x00, 0x00, 0x01, 0x78]), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-1.5.5-1]", what: "a property length in more bytes than it needs",
            bytes: p(0x30, w.string("t") + [0x80, 0x00]), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "PUBLISH with undefined property identifier 0x04",
            bytes: publish([0x04, 0x00]), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "PUBLISH with a two-byte property identifier",
            bytes: publish([0x81, 0x00]), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "CONNECT with a Topic Alias", bytes: connect([0x23, 0x00, 0x01]),
            version: nil, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "CONNECT with a Will Delay Interval outside the will",
            bytes: connect([0x18, 0x00, 0x00, 0x00, 0x01]), version: nil, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "CONNECT with a Server Keep Alive", bytes: connect([0x13, 0x00, 0x01]),
            version: nil, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "will properties with a Receive Maximum",
            bytes: w.connect5(
                flags: 0x06, payload: w.string("c") + props([0x21, 0x00, 0x01]) + w.string("w") + w.field([])),
            version: nil, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "PUBLISH with a Session Expiry Interval",
            bytes: publish([0x11, 0x00, 0x00, 0x00, 0x01]), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "PUBLISH with a Reason String", bytes: publish([0x1F] + w.string("r")),
            code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "UNSUBSCRIBE with a Subscription Identifier",
            bytes: p(0xA2, [0x00, 0x01] + props([0x0B, 0x01]) + w.string("a")), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "DISCONNECT with a Maximum QoS",
            bytes: p(0xE0, [0x00] + props([0x24, 0x00])), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.2.2.2]", what: "DISCONNECT with an Authentication Method",
            bytes: p(0xE0, [0x00] + props([0x15] + w.string("m"))), code: .malformedPacket),

        // Properties that may appear once.
        Malformed5Case(
            clause: "[MQTT5 §3.3.2.3]", what: "PUBLISH with two Topic Aliases",
            bytes: publish([0x23, 0x00, 0x01, 0x23, 0x00, 0x02]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.8.2.1]", what: "SUBSCRIBE with two Subscription Identifiers",
            bytes: p(0x82, [0x00, 0x01] + props([0x0B, 0x01, 0x0B, 0x02]) + w.string("a") + [0x00]),
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.1.2.11]", what: "CONNECT with two Session Expiry Intervals",
            bytes: connect([0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2]), version: nil, code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.1.3.2]", what: "will properties with two Will Delay Intervals",
            bytes: w.connect5(
                flags: 0x06,
                payload: w.string("c") + props([0x18, 0, 0, 0, 1, 0x18, 0, 0, 0, 2]) + w.string("w") + w.field([])),
            version: nil, code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.2.2.3]", what: "CONNACK with two Reason Strings",
            bytes: connAck([0x1F] + w.string("a") + [0x1F] + w.string("b")), code: .protocolError),

        // Property values.
        Malformed5Case(
            clause: "[MQTT5 §3.3.2.3]", what: "PUBLISH with Payload Format Indicator 2", bytes: publish([0x01, 0x02]),
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.1.2.11]", what: "CONNECT with Request Problem Information 2",
            bytes: connect([0x17, 0x02]), version: nil, code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.1.2.11]", what: "CONNECT with Request Response Information 2",
            bytes: connect([0x19, 0x02]), version: nil, code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.2.2.3]", what: "CONNACK with Maximum QoS 2", bytes: connAck([0x24, 0x02]),
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.2.2.3]", what: "CONNACK with Retain Available 2", bytes: connAck([0x25, 0x02]),
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.2.2.3]", what: "CONNACK with Wildcard Subscription Available 2",
            bytes: connAck([0x28, 0x02]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.2.2.3]", what: "CONNACK with Subscription Identifier Available 2",
            bytes: connAck([0x29, 0x02]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.2.2.3]", what: "CONNACK with Shared Subscription Available 2",
            bytes: connAck([0x2A, 0x02]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.1.2.11]", what: "CONNECT with Receive Maximum 0", bytes: connect([0x21, 0x00, 0x00]),
            version: nil, code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.2.2.3]", what: "CONNACK with Maximum Packet Size 0",
            bytes: connAck([0x27, 0x00, 0x00, 0x00, 0x00]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.8.2.1]", what: "SUBSCRIBE with Subscription Identifier 0",
            bytes: p(0x82, [0x00, 0x01] + props([0x0B, 0x00]) + w.string("a") + [0x00]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.3.2.3]", what: "PUBLISH with Subscription Identifier 0", bytes: publish([0x0B, 0x00]),
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-1.5.5-1]", what: "a Subscription Identifier in more bytes than it needs",
            bytes: publish([0x0B, 0x81, 0x00]), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §3.1.2.11.10]", what: "CONNECT with Authentication Data but no Authentication Method",
            bytes: connect([0x16, 0x00, 0x01, 0x00]), version: nil, code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.3.2-14]", what: "PUBLISH with a Response Topic that has a wildcard",
            bytes: publish([0x08] + w.string("r/#")), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-4.7.3-1]", what: "PUBLISH with an empty Response Topic", bytes: publish([0x08, 0x00, 0x00]),
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-1.5.4-1]", what: "PUBLISH Content Type that is not UTF-8",
            bytes: publish([0x03] + w.field([0x61, 0xC3])), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-1.5.4-2]", what: "User Property name with U+0000",
            bytes: publish([0x26] + w.field([0x61, 0x00]) + w.string("v")), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-1.5.4-1]", what: "CONNACK Reason String with an encoded surrogate",
            bytes: connAck([0x1F] + w.field([0xED, 0xA0, 0x80])), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §2.1.4]", what: "User Property without its value",
            bytes: p(0x40, [0x00, 0x01, 0x00, 0x04, 0x26] + w.string("k")), code: .malformedPacket),

        // Reason codes (§2.4 and the table of each packet).
        Malformed5Case(
            clause: "[MQTT-3.2.2-8]", what: "CONNACK with reason code 0x01", bytes: [0x20, 0x03, 0x00, 0x01, 0x00],
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.4.2-1]", what: "PUBACK with reason code 0x92", bytes: [0x40, 0x03, 0x00, 0x01, 0x92],
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.5.2-1]", what: "PUBREC with reason code 0x11", bytes: [0x50, 0x03, 0x00, 0x01, 0x11],
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.6.2-1]", what: "PUBREL with reason code 0x10", bytes: [0x62, 0x03, 0x00, 0x01, 0x10],
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.7.2-1]", what: "PUBCOMP with reason code 0x80", bytes: [0x70, 0x03, 0x00, 0x01, 0x80],
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.9.3-2]", what: "SUBACK with reason code 0x03",
            bytes: [0x90, 0x04, 0x00, 0x01, 0x00, 0x03], code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.11.3-2]", what: "UNSUBACK with reason code 0x01",
            bytes: [0xB0, 0x04, 0x00, 0x01, 0x00, 0x01], code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.14.2-1]", what: "DISCONNECT with reason code 0x91", bytes: [0xE0, 0x01, 0x91],
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.15.2-1]", what: "AUTH with reason code 0x01", bytes: [0xF0, 0x02, 0x01, 0x00],
            code: .protocolError),

        // CONNECT.
        Malformed5Case(
            clause: "[MQTT-3.1.2-3]", what: "CONNECT with the reserved flag set",
            bytes: w.connect5(flags: 0x03, payload: w.string("c")), version: nil, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.1.2-11]", what: "CONNECT with will QoS but no will flag",
            bytes: w.connect5(flags: 0x0A, payload: w.string("c")), version: nil, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.1.2-12]", what: "CONNECT with will QoS 3",
            bytes: w.connect5(flags: 0x1E, payload: w.string("c")), version: nil, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.1.2-13]", what: "CONNECT with will retain but no will flag",
            bytes: w.connect5(flags: 0x22, payload: w.string("c")), version: nil, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.3.2-2]", what: "CONNECT with a will topic that has a wildcard",
            bytes: w.connect5(flags: 0x06, payload: w.string("c") + [0x00] + w.string("w/+") + w.field([])),
            version: nil, code: .topicNameInvalid),
        Malformed5Case(
            clause: "[MQTT-1.5.4-1]", what: "CONNECT client identifier that is not UTF-8",
            bytes: w.connect5(flags: 0x02, payload: w.field([0xFF])), version: nil, code: .malformedPacket),

        // CONNACK.
        Malformed5Case(
            clause: "[MQTT-3.2.2-1]", what: "CONNACK with reserved acknowledge flags",
            bytes: [0x20, 0x03, 0x02, 0x00, 0x00], code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.2.2-6]", what: "CONNACK refusing with session present",
            bytes: [0x20, 0x03, 0x01, 0x87, 0x00], code: .protocolError),

        // PUBLISH.
        Malformed5Case(
            clause: "[MQTT5 §3.3.2.1]", what: "PUBLISH with an empty topic name and no Topic Alias",
            bytes: p(0x30, w.string("") + [0x00, 0x78]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.3.2-2]", what: "PUBLISH topic with '+'", bytes: p(0x30, w.string("a/+") + [0x00]),
            code: .topicNameInvalid),
        Malformed5Case(
            clause: "[MQTT-1.5.4-2]", what: "PUBLISH topic with U+0000",
            bytes: p(0x30, w.field([0x61, 0x00]) + [0x00]),
            code: .malformedPacket),

        // SUBSCRIBE and UNSUBSCRIBE.
        Malformed5Case(
            clause: "[MQTT-3.8.3-2]", what: "SUBSCRIBE without topic filters", bytes: p(0x82, [0x00, 0x01, 0x00]),
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.8.3-5]", what: "SUBSCRIBE options with reserved bits 7-6",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("a") + [0x40]), code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT5 §3.8.3.1]", what: "SUBSCRIBE requesting QoS 3",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("a") + [0x03]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT5 §3.8.3.1]", what: "SUBSCRIBE with retain handling 3",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("a") + [0x30]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.8.3-4]", what: "SUBSCRIBE with No Local on a shared subscription",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("$share/g/a") + [0x04]), code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-4.8.2-1]", what: "SUBSCRIBE to a shared subscription with an empty share name",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("$share//a") + [0x00]), code: .topicFilterInvalid),
        Malformed5Case(
            clause: "[MQTT-4.8.2-2]", what: "SUBSCRIBE to a shared subscription without a topic filter",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("$share/g") + [0x00]), code: .topicFilterInvalid),
        Malformed5Case(
            clause: "[MQTT-4.8.2-2]", what: "SUBSCRIBE to a shared subscription whose share name is '+'",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("$share/+/a") + [0x00]), code: .topicFilterInvalid),
        Malformed5Case(
            clause: "[MQTT-4.7.1-2]", what: "SUBSCRIBE filter with '+' inside a level",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("a+") + [0x00]), code: .topicFilterInvalid),
        Malformed5Case(
            clause: "[MQTT-4.7.1-1]", what: "SUBSCRIBE filter with '#' before the last level",
            bytes: p(0x82, [0x00, 0x01, 0x00] + w.string("#/a") + [0x00]), code: .topicFilterInvalid),
        Malformed5Case(
            clause: "[MQTT-3.10.3-2]", what: "UNSUBSCRIBE without topic filters", bytes: p(0xA2, [0x00, 0x01, 0x00]),
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-4.8.2-2]", what: "UNSUBSCRIBE from a shared subscription with an empty filter",
            bytes: p(0xA2, [0x00, 0x01, 0x00] + w.string("$share/g/")), code: .topicFilterInvalid),

        // SUBACK and UNSUBACK.
        Malformed5Case(
            clause: "[MQTT-3.8.4-6]", what: "SUBACK without reason codes", bytes: [0x90, 0x03, 0x00, 0x01, 0x00],
            code: .protocolError),
        Malformed5Case(
            clause: "[MQTT-3.11.3-1]", what: "UNSUBACK without reason codes", bytes: [0xB0, 0x03, 0x00, 0x01, 0x00],
            code: .protocolError),
    ]
}()

/// A decoder that speaks only MQTT 3.x keeps refusing what MQTT 5 adds.
private let mqtt3OnlyCases: [Malformed5Case] = {
    let w = WireBytes.self
    return [
        Malformed5Case(
            clause: "[MQTT-3.1.2-2]", what: "CONNECT level 5 when MQTT 5 is not accepted",
            bytes: w.connect5(flags: 0x02, payload: w.string("c")), version: nil, acceptsMQTT5: false,
            code: .unsupportedProtocolVersion),
        Malformed5Case(
            clause: "[MQTT §2.2.1]", what: "AUTH before CONNECT when MQTT 5 is not accepted", bytes: [0xF0, 0x00],
            version: nil, acceptsMQTT5: false, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT §2.2.1]", what: "AUTH in an MQTT 3.1 session", bytes: [0xF0, 0x00], version: .v3_1,
            code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT §2.2.3]", what: "an MQTT 3.1.1 PUBACK with an MQTT 5 reason code",
            bytes: [0x40, 0x03, 0x00, 0x01, 0x10], version: .v3_1_1, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT §2.2.3]", what: "an MQTT 3.1.1 DISCONNECT with an MQTT 5 reason code",
            bytes: [0xE0, 0x01, 0x00], version: .v3_1_1, code: .malformedPacket),
        Malformed5Case(
            clause: "[MQTT-3.1.2-22]", what: "an MQTT 3.1.1 CONNECT with a password and no user name",
            bytes: w.connect(flags: 0x42, payload: w.string("c") + w.string("p")), version: nil,
            code: .protocolError),
    ]
}()

@Suite("MQTT 5 packets that break the spec are rejected")
struct MQTT5MalformedPacketTests {
    @Test("rejected when the whole packet arrives at once", arguments: malformed5Cases + mqtt3OnlyCases)
    func rejectedAllAtOnce(_ c: Malformed5Case) {
        var buffer = ByteBuffer(bytes: c.bytes)
        do {
            var version = c.version
            while let packet = try MQTTDecoder.decode(
                &buffer, version: version, maxPacketSize: 1 << 20, acceptsMQTT5: c.acceptsMQTT5)
            {
                guard case .connect(let connect) = packet, version == nil else {
                    Issue.record("decoded \(packet) instead of rejecting it")
                    return
                }
                version = connect.protocolVersion
            }
            Issue.record("the decoder waits for more bytes instead of rejecting the packet")
        } catch {
            #expect(error.code == c.code)
            #expect(error.message.hasPrefix(c.clause), "message: \(error.message)")
        }
    }

    @Test("rejected, with the same error, when fed one byte at a time", arguments: malformed5Cases + mqtt3OnlyCases)
    func rejectedByteByByte(_ c: Malformed5Case) {
        do {
            var buffer = ByteBuffer()
            for byte in c.bytes {
                buffer.writeUInt8(byte)
                if let packet = try MQTTDecoder.decode(
                    &buffer, version: c.version, maxPacketSize: 1 << 20, acceptsMQTT5: c.acceptsMQTT5)
                {
                    Issue.record("decoded \(packet) instead of rejecting the bytes")
                    return
                }
            }
            Issue.record("the decoder waits for more bytes instead of rejecting the packet")
        } catch {
            #expect(error.code == c.code)
            #expect(error.message.hasPrefix(c.clause), "message: \(error.message)")
        }
    }
}
