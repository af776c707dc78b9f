import Bytes
import MQTTCodec
import Testing

@Suite("MQTT decoder: lengths, limits and protocol levels")
struct MQTTDecoderTests {
    private let w = WireBytes.self

    /// Decodes `bytes` all at once and returns the error, or nil when none was thrown.
    private func error(
        decoding bytes: [UInt8], version: MQTTProtocolVersion?, maxPacketSize: Int = 1 << 20
    ) -> MQTTProtocolError? {
        var buffer = ByteBuffer(bytes: bytes)
        do {
            _ = try MQTTDecoder.decode(&buffer, version: version, maxPacketSize: maxPacketSize)
            return nil
        } catch {
            return error
        }
    }

    @Test("a 256 MiB length with 10 bytes sent is refused at once as too large")
    func hugeLengthRefusedBeforeBody() {
        // Remaining length 268435455: the largest four varint bytes can say.
        let bytes: [UInt8] = [0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, 0x61, 0x00, 0x00]
        let e = error(decoding: bytes, version: .v3_1_1, maxPacketSize: 1 << 20)
        #expect(e?.code == .packetTooLarge)
        #expect(e?.message.contains("268435460 bytes") == true, "message: \(String(describing: e))")
    }

    @Test("a four-byte length within the limit waits for the body")
    func fourByteLengthWaits() throws {
        var buffer = ByteBuffer(bytes: [0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, 0x61])
        #expect(try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: .max) == nil)
        #expect(buffer.readableBytes == 8)
    }

    @Test("a fifth remaining-length byte is malformed before it arrives")
    func fiveByteLengthIsMalformed() {
        let e = error(decoding: [0x30, 0x80, 0x80, 0x80, 0x80], version: .v3_1_1)
        #expect(e?.code == .malformedPacket)
        #expect(e?.message.hasPrefix("[MQTT §2.2.3]") == true)
    }

    @Test("the maximum packet size counts the fixed header and is inclusive")
    func maxPacketSizeBoundary() throws {
        var encoded = ByteBuffer()
        MQTTEncoder.encode(
            .publish(.init(topic: "t", payload: [UInt8](repeating: 7, count: 200))), version: .v3_1_1, into: &encoded)
        let size = encoded.readableBytes  // 1 + 2 length bytes + 203
        #expect(size == 206)

        var exact = encoded
        #expect(try MQTTDecoder.decode(&exact, version: .v3_1_1, maxPacketSize: size) != nil)
        #expect(
            error(decoding: encoded.readableBytesArray, version: .v3_1_1, maxPacketSize: size - 1)?.code
                == .packetTooLarge)
        // Refused from the header alone, before the body arrives.
        #expect(
            error(decoding: Array(encoded.readableBytesArray.prefix(3)), version: .v3_1_1, maxPacketSize: size - 1)?
                .code == .packetTooLarge)
    }

    @Test("an incomplete packet leaves the buffer untouched")
    func incompleteLeavesBuffer() throws {
        var buffer = ByteBuffer(bytes: [0x30, 0x07, 0x00, 0x03, 0x61])
        #expect(try MQTTDecoder.decode(&buffer, version: .v3_1_1, maxPacketSize: 1 << 20) == nil)
        #expect(buffer.readerIndex == 0)
        #expect(buffer.readableBytesArray == [0x30, 0x07, 0x00, 0x03, 0x61])
        var empty = ByteBuffer()
        #expect(try MQTTDecoder.decode(&empty, version: nil, maxPacketSize: 1 << 20) == nil)
    }

    @Test("[MQTT-3.3.1-4] PUBLISH QoS 3 is refused from its first byte alone")
    func firstByteChecksAreImmediate() {
        #expect(error(decoding: [0x36], version: .v3_1_1)?.code == .malformedPacket)
        #expect(error(decoding: [0x30], version: nil)?.code == .protocolError)
        #expect(error(decoding: [0x62, 0x05], version: .v3_1_1)?.code == .malformedPacket)
    }

    @Test("[MQTT-3.1.2-2] CONNECT with level 5 reports the level so the frontend can answer CONNACK 0x01")
    func connectLevel5() throws {
        // MQTT 5 CONNECT: name, level 5, clean start, keep alive 60, property length 0, empty client id.
        let bytes = w.connect(level: 5, flags: 0x02, payload: [0x00, 0x00, 0x00])
        #expect(try WireBytes.decodeByteByByte(Array(bytes.dropLast()), version: nil).isEmpty)
        let e = error(decoding: bytes, version: nil)
        #expect(e?.code == .unsupportedProtocolVersion)
        #expect(e?.protocolLevel == 5)
        #expect(e?.message.hasPrefix("[MQTT-3.1.2-2]") == true)
    }

    @Test("[MQTT-3.1.2-2] CONNECT with level 2 is an unsupported protocol version")
    func connectLevel2() {
        let e = error(decoding: w.connect(level: 2, flags: 0x02, payload: w.string("c")), version: nil)
        #expect(e?.code == .unsupportedProtocolVersion)
        #expect(e?.protocolLevel == 2)
    }

    @Test("an unsupported level is reported even when the flags are invalid for 3.1.1")
    func levelCheckedBeforeFlags() {
        let e = error(decoding: w.connect(level: 5, flags: 0xFF, payload: []), version: nil)
        #expect(e?.code == .unsupportedProtocolVersion)
    }

    @Test("packets of an MQTT 5 session decode")
    func v5SessionDecodes() throws {
        var buffer = ByteBuffer(bytes: [0xC0, 0x00])
        #expect(try MQTTDecoder.decode(&buffer, version: .v5, maxPacketSize: 1 << 20) == .pingReq)
    }

    @Test("MQTT 3.1 CONNECT (MQIsdp, level 3) decodes with its user name and password")
    func mqtt31Connect() throws {
        let bytes = w.connect(
            name: "MQIsdp", level: 3, flags: 0xC2, payload: w.string("legacy") + w.string("user") + w.string("secret"))
        var buffer = ByteBuffer(bytes: bytes)
        let packet = try MQTTDecoder.decode(&buffer, version: nil, maxPacketSize: 1 << 20)
        guard case .connect(let connect) = packet else {
            Issue.record("expected CONNECT, got \(String(describing: packet))")
            return
        }
        #expect(connect.protocolVersion == .v3_1)
        #expect(connect.protocolName == "MQIsdp")
        #expect(connect.clientId == "legacy")
        #expect(connect.username == "user")
        #expect(connect.password == w.ascii("secret"))
        #expect(connect.cleanSession)
        #expect(connect.keepAlive == 60)

        var reencoded = ByteBuffer()
        MQTTEncoder.encode(.connect(connect), version: .v3_1, into: &reencoded)
        #expect(reencoded.readableBytesArray == bytes)
    }

    @Test("MQTT 3.1 leaves CONNECT flag bit 0 undefined, so it is not checked there")
    func mqtt31ReservedBitAccepted() throws {
        var buffer = ByteBuffer(bytes: w.connect(name: "MQIsdp", level: 3, flags: 0x03, payload: w.string("c")))
        #expect(try MQTTDecoder.decode(&buffer, version: nil, maxPacketSize: 1 << 20) != nil)
    }

    @Test("MQTT 3.1 CONNACK ignores the reserved first byte and never reports a session")
    func mqtt31ConnAck() throws {
        var buffer = ByteBuffer(bytes: [0x20, 0x02, 0x01, 0x00])
        let packet = try MQTTDecoder.decode(&buffer, version: .v3_1, maxPacketSize: 1 << 20)
        #expect(packet == .connAck(.init(sessionPresent: false, returnCode: .accepted)))

        var encoded = ByteBuffer()
        MQTTEncoder.encode(.connAck(.init(sessionPresent: true, returnCode: .accepted)), version: .v3_1, into: &encoded)
        #expect(encoded.readableBytesArray == [0x20, 0x02, 0x00, 0x00])
    }

    @Test("an empty client id and a will with an empty payload decode (client id rules are the frontend's)")
    func emptyClientIdAndWillPayload() throws {
        var buffer = ByteBuffer(bytes: w.connect(flags: 0x06, payload: w.string("") + w.string("w") + w.string("")))
        let packet = try MQTTDecoder.decode(&buffer, version: nil, maxPacketSize: 1 << 20)
        #expect(packet == .connect(.init(clientId: "", will: .init(topic: "w", payload: []))))
    }
}
