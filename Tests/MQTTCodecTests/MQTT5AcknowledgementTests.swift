import Bytes
import Testing

@testable import MQTTCodec

@Suite("MQTT 5 CONNACK, acknowledgements, SUBACK, UNSUBACK and DISCONNECT (§3.2, §3.4-3.7, §3.9, §3.11, §3.14)")
struct MQTT5AcknowledgementTests {
    private func decode(_ bytes: [UInt8], byteByByte: Bool = false) throws(MQTTProtocolError) -> MQTTPacket? {
        var buffer = ByteBuffer()
        let chunks = byteByByte ? bytes.map { [$0] } : [bytes]
        var packet: MQTTPacket?
        for chunk in chunks {
            buffer.writeBytes(chunk)
            if let p = try MQTTDecoder.decode(&buffer, version: .v5, maxPacketSize: 1 << 20) { packet = p }
        }
        #expect(buffer.readableBytes == 0)
        return packet
    }

    private func encode(_ packet: MQTTPacket) -> [UInt8] {
        var out = ByteBuffer()
        MQTTEncoder.encode(packet, version: .v5, into: &out)
        return out.readableBytesArray
    }

    @Test("a plain success keeps the 3.1.1 bytes; a reason code or properties add themselves")
    func wireBytes() {
        #expect(encode(.pubAck(.init(packetId: 7))) == [0x40, 0x02, 0x00, 0x07])
        #expect(encode(.pubAck(.init(packetId: 7, reasonCode: .noMatchingSubscribers))) == [0x40, 0x03, 0x00, 0x07, 0x10])
        let reason = MQTTProperties([(.reasonString, .string("no"))])
        #expect(
            encode(.pubRel(.init(packetId: 1, reasonCode: .packetIdentifierNotFound, properties: reason)))
                == [0x62, 0x09, 0x00, 0x01, 0x92, 0x05, 0x1F, 0x00, 0x02, 0x6E, 0x6F])
        #expect(encode(.disconnect(.init())) == [0xE0, 0x00])
        #expect(encode(.connAck(.init(reasonCode: .notAuthorized))) == [0x20, 0x03, 0x00, 0x87, 0x00])
        #expect(encode(.disconnect(.init(reasonCode: .disconnectWithWill))) == [0xE0, 0x01, 0x04])
        #expect(encode(.subAck(.init(packetId: 2, returnCodes: [0x01, 0x87]))) == [0x90, 0x05, 0x00, 0x02, 0x00, 0x01, 0x87])
        #expect(encode(.unsubAck(.init(packetId: 3, reasonCodes: [.noSubscriptionExisted]))) == [0xB0, 0x04, 0x00, 0x03, 0x00, 0x11])
    }

    @Test("every acknowledgement round-trips with its reason code and properties, in bulk and byte by byte")
    func roundTrips() throws {
        let props = MQTTProperties([(.reasonString, .string("why")), (.userProperty, .pair("k", "v"))])
        let packets: [MQTTPacket] = [
            .pubAck(.init(packetId: 1, reasonCode: .quotaExceeded, properties: props)),
            .pubRec(.init(packetId: 2, reasonCode: .notAuthorized)),
            .pubRel(.init(packetId: 3)),
            .pubComp(.init(packetId: 4, reasonCode: .packetIdentifierNotFound, properties: props)),
            .disconnect(.init(reasonCode: .serverShuttingDown, properties: MQTTProperties([(.serverReference, .string("b:1883"))]))),
            .disconnect(.init(reasonCode: .success, properties: MQTTProperties([(.sessionExpiryInterval, .integer(30))]))),
            .subAck(.init(packetId: 5, returnCodes: [0x01, 0x87, 0x9E], properties: props)),
            .subAck(.init(packetId: 6, returnCodes: [0x00])),
            .unsubAck(.init(packetId: 7, reasonCodes: [.success, .noSubscriptionExisted], properties: props)),
            .connAck(
                .init(
                    sessionPresent: true, reasonCode: .success,
                    properties: MQTTProperties([
                        (.assignedClientIdentifier, .string("gw-1")), (.sessionExpiryInterval, .integer(3600)),
                        (.receiveMaximum, .integer(100)), (.topicAliasMaximum, .integer(16)),
                        (.sharedSubscriptionAvailable, .integer(1)),
                    ]))),
            .connAck(.init(reasonCode: .badAuthenticationMethod)),
        ]
        for p in packets {
            #expect(try decode(encode(p)) == p)
            #expect(try decode(encode(p), byteByByte: true) == p)
        }
        #expect(try decode([0x40, 0x03, 0x00, 0x09, 0x87]) == .pubAck(.init(packetId: 9, reasonCode: .notAuthorized)))
    }

    @Test("a reason code the packet may not carry is malformed; a misplaced property is a protocol error")
    func refusals() {
        func code(_ bytes: [UInt8]) -> MQTTProtocolError.Code? {
            do {
                _ = try decode(bytes)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code([0x40, 0x03, 0x00, 0x01, 0x92]) == .malformedPacket, "0x92 is for PUBREL/PUBCOMP")
        #expect(code([0x62, 0x03, 0x00, 0x01, 0x10]) == .malformedPacket, "0x10 is for PUBACK/PUBREC")
        #expect(code([0xE0, 0x01, 0x01]) == .malformedPacket, "0x01 is no DISCONNECT reason")
        #expect(code([0x40, 0x06, 0x00, 0x01, 0x00, 0x02, 0x11, 0x00]) == .protocolError, "session expiry in PUBACK")
        #expect(code([0x40, 0x05, 0x00, 0x01, 0x00, 0x05, 0x1F]) == .malformedPacket, "property length past the end")
        #expect(code([0x90, 0x04, 0x00, 0x01, 0x00, 0x10]) == .malformedPacket, "0x10 is no SUBACK reason")
        #expect(code([0xB0, 0x03, 0x00, 0x01, 0x00]) == .protocolError, "UNSUBACK without reason codes")
        #expect(code([0xB0, 0x04, 0x00, 0x01, 0x00, 0x04]) == .malformedPacket, "0x04 is no UNSUBACK reason")
        #expect(code([0x20, 0x03, 0x00, 0x01, 0x00]) == .malformedPacket, "0x01 is no CONNACK reason")
        #expect(code([0x20, 0x03, 0x01, 0x87, 0x00]) == .protocolError, "session present on a refusal")
        #expect(code([0x20, 0x02, 0x00, 0x00]) == .malformedPacket, "a v5 CONNACK without its property length")
    }
}
