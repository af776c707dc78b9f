import Testing

@testable import MQTTFrontend

/// A queue entry stand-in: a number, with the fields the outbound flow reads and writes.
struct TestEntry: MQTTOutboundEntry, Equatable {
    var number: Int
    var redelivered = false
    var packetID: UInt16 = 0
}

@Suite("MQTT outbound flow: packet ids, QoS 1 and 2 handshakes, redelivery")
struct MQTTOutboundTests {
    @Test("QoS 0 takes no packet id; QoS 1 and 2 take distinct ones from 1 up")
    func packetIds() {
        var out = MQTTOutbound<TestEntry>()
        #expect(out.send(TestEntry(number: 0), qos: 0) == .atMostOnce)
        #expect(out.send(TestEntry(number: 1), qos: 1) == .publish(packetId: 1, dup: false))
        #expect(out.send(TestEntry(number: 2), qos: 2) == .publish(packetId: 2, dup: false))
        #expect(out.count == 2)
    }

    @Test("PUBACK settles a QoS 1 message once; unknown ids and QoS 2 ids are ignored")
    func pubAck() {
        var out = MQTTOutbound<TestEntry>()
        _ = out.send(TestEntry(number: 7), qos: 1)
        _ = out.send(TestEntry(number: 8), qos: 2)
        #expect(out.pubAck(2) == nil)
        #expect(out.pubAck(99) == nil)
        #expect(out.pubAck(1)?.number == 7)
        #expect(out.pubAck(1) == nil)
        #expect(out.count == 1)
    }

    @Test("QoS 2: PUBREC delivers once and keeps the id until PUBCOMP; a repeated PUBREC only releases again")
    func qos2() {
        var out = MQTTOutbound<TestEntry>()
        _ = out.send(TestEntry(number: 5), qos: 2)
        #expect(out.pubComp(1) == false)  // PUBCOMP before PUBREC is not the protocol: ignored
        guard case .release(let delivered) = out.pubRec(1) else {
            Issue.record("PUBREC of a QoS 2 message in flight must be released")
            return
        }
        #expect(delivered?.number == 5)
        guard case .release(let again) = out.pubRec(1) else {
            Issue.record("a repeated PUBREC is answered with PUBREL again")
            return
        }
        #expect(again == nil)
        // The id is still in use: the next message gets another.
        #expect(out.send(TestEntry(number: 6), qos: 1) == .publish(packetId: 2, dup: false))
        #expect(out.pubComp(1) == true)
        #expect(out.pubComp(1) == false)
        guard case .unknown = out.pubRec(2) else {
            Issue.record("PUBREC for a QoS 1 message is ignored")
            return
        }
    }

    @Test("a redelivered entry goes out with DUP and its old packet id, unless another message holds that id")
    func redelivery() {
        var out = MQTTOutbound<TestEntry>()
        #expect(
            out.send(TestEntry(number: 1, redelivered: true, packetID: 40), qos: 1) == .publish(packetId: 40, dup: true))
        #expect(
            out.send(TestEntry(number: 2, redelivered: true, packetID: 40), qos: 1) == .publish(packetId: 1, dup: false))
        // The entry in flight remembers the id it went out with.
        #expect(out.pubAck(1)?.packetID == 1)
    }

    @Test("the end of a connection returns unacknowledged entries to requeue and released QoS 2 ids to resume")
    func endAndResume() {
        var out = MQTTOutbound<TestEntry>()
        _ = out.send(TestEntry(number: 1), qos: 1)
        _ = out.send(TestEntry(number: 2), qos: 2)
        _ = out.send(TestEntry(number: 3), qos: 2)
        _ = out.pubRec(3)
        #expect(out.sendRetained(qos: 1) == .publish(packetId: 4, dup: false))
        let (unacknowledged, released) = out.end()
        #expect(Set(unacknowledged.map(\.number)) == [1, 2])
        #expect(unacknowledged.allSatisfy { $0.packetID != 0 })
        #expect(released == [3])
        #expect(out.count == 0)

        var next = MQTTOutbound<TestEntry>()
        #expect(next.resume(released: released) == [3])
        // A resumed id is in use until PUBCOMP, and frees no credit (nothing from the queue).
        #expect(next.send(TestEntry(number: 4), qos: 1) == .publish(packetId: 1, dup: false))
        #expect(next.send(TestEntry(number: 5), qos: 1) == .publish(packetId: 2, dup: false))
        #expect(next.send(TestEntry(number: 6), qos: 1) == .publish(packetId: 4, dup: false))
        #expect(next.pubComp(3) == false)
        #expect(next.count == 3)
    }

    @Test("ids wrap after 65535 and skip those in flight; with all in flight a message cannot be sent")
    func exhaustion() {
        var out = MQTTOutbound<TestEntry>()
        for i in 1...Int(UInt16.max) {
            #expect(out.send(TestEntry(number: i), qos: 1) == .publish(packetId: UInt16(i), dup: false))
        }
        #expect(out.send(TestEntry(number: 0), qos: 1) == .noPacketId)
        #expect(out.sendRetained(qos: 2) == .noPacketId)
        #expect(out.pubAck(3)?.number == 3)
        #expect(out.send(TestEntry(number: 0), qos: 2) == .publish(packetId: 3, dup: false))
    }
}
