import AMQPValues
import Bytes
import Testing

@testable import MQTTCodec

@Suite("MQTT 5 properties (MQTT 5.0 §2.2.2) and reason codes (§2.4)")
struct MQTTPropertiesTests {
    /// Reads a property list for `context` from `bytes` (length included).
    private func read(_ bytes: [UInt8], _ context: MQTTPropertyContext) throws(MQTTProtocolError) -> MQTTProperties {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(MQTTProtocolError) -> MQTTProperties in
                var r = MQTTPacketReader(packet: .publish, body: raw)
                let p = try r.readProperties(context)
                guard r.remaining == 0 else { throw .malformed("left over") }
                return p
            }
        }
        return try result.get()
    }

    private func written(_ p: MQTTProperties) -> [UInt8] {
        var out = ByteBuffer()
        out.writeMQTTProperties(p)
        #expect(out.readableBytes == p.encodedSize)
        return out.readableBytesArray
    }

    private func sample(_ id: MQTTPropertyID) -> MQTTPropertyValue {
        switch id.kind {
        case .byte: .integer(1)
        case .twoByteInteger: .integer(0x1234)
        case .fourByteInteger: .integer(0xDEAD_BEEF)
        case .variableByteInteger: .integer(268_435_455)
        case .string: .string("text/é")
        case .binary: .binary([0, 0xFF, 7])
        case .stringPair: .pair("k", "v")
        }
    }

    private func context(allowing id: MQTTPropertyID) -> MQTTPropertyContext {
        let all: [MQTTPropertyContext] = [
            .connect, .connAck, .publish, .will, .pubAck, .pubRec, .pubRel, .pubComp, .subscribe, .subAck,
            .unsubscribe, .unsubAck, .disconnect, .auth,
        ]
        return all.first { id.isAllowed(in: $0) }!
    }

    @Test("every property round-trips in a packet that may carry it")
    func roundTrip() throws {
        for id in MQTTPropertyID.allCases {
            let p = MQTTProperties([(id, sample(id))])
            #expect(try read(written(p), context(allowing: id)) == p, "\(id)")
        }
        #expect(try read([0], .connect).isEmpty)
    }

    @Test("user properties keep their order and repeats; subscription identifiers may repeat in PUBLISH only")
    func repeats() throws {
        let users = MQTTProperties([(.userProperty, .pair("a", "1")), (.userProperty, .pair("a", "2")), (.contentType, .string("x"))])
        let back = try read(written(users), .publish)
        #expect(back.userProperties.map(\.value) == ["1", "2"])
        let ids = MQTTProperties([(.subscriptionIdentifier, .integer(1)), (.subscriptionIdentifier, .integer(200))])
        #expect(try read(written(ids), .publish).subscriptionIdentifiers == [1, 200])
        #expect(throws: MQTTProtocolError.self) { try read(written(ids), .subscribe) }
        let twice = MQTTProperties([(.sessionExpiryInterval, .integer(1)), (.sessionExpiryInterval, .integer(2))])
        do {
            _ = try read(written(twice), .connect)
            Issue.record("a repeated session expiry interval was accepted")
        } catch {
            #expect(error.code == .protocolError)
        }
    }

    @Test("unknown identifiers are malformed; misplaced properties and forbidden values are protocol errors")
    func refusals() {
        func code(_ bytes: [UInt8], _ context: MQTTPropertyContext) -> MQTTProtocolError.Code? {
            do {
                _ = try read(bytes, context)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code([2, 0x07, 0], .publish) == .malformedPacket, "0x07 is no property")
        #expect(code([2, 0x24, 1], .publish) == .protocolError, "maximum QoS only in CONNACK")
        #expect(code([2, 0x01, 2], .publish) == .protocolError, "payload format indicator 2")
        #expect(code([3, 0x21, 0, 0], .connect) == .protocolError, "receive maximum 0")
        #expect(code([5, 0x27, 0, 0, 0, 0], .connect) == .protocolError, "maximum packet size 0")
        #expect(code([2, 0x0B, 0], .subscribe) == .protocolError, "subscription identifier 0")
        #expect(code([9, 0x01, 0], .publish) == .malformedPacket, "length past the packet")
        #expect(code([2, 0x13, 0], .connAck) == .malformedPacket, "a two-byte value cut short")
        #expect(code([6, 0x0B, 0x80, 0x80, 0x80, 0x80, 0x01], .subscribe) == .malformedPacket, "five-byte varint")
        #expect(code([4, 0x03, 0, 1, 0xFF], .publish) == .malformedPacket, "content type not UTF-8")
    }

    @Test("reason codes: names, failures, and the codes decoding errors map to")
    func reasonCodes() {
        #expect(MQTTReasonCode.notAuthorized.description == "0x87 (not authorized)")
        #expect(MQTTReasonCode.noMatchingSubscribers.isError == false && MQTTReasonCode.quotaExceeded.isError)
        #expect(!MQTTReasonCode(rawValue: 0x03).isDefined && MQTTReasonCode.topicAliasInvalid.isDefined)
        #expect(MQTTReasonCode(.packetTooLarge) == .packetTooLarge && MQTTReasonCode(.malformedPacket).rawValue == 0x81)
    }
}
