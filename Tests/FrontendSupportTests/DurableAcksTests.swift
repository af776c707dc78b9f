import Testing

@testable import FrontendSupport

/// The storage's answers per sync generation, as a test sets them.
private struct Syncs {
    var done: [UInt64: Bool] = [:]
    func outcome(_ g: UInt64) -> Bool? { done[g] }
}

@Suite("Durable acknowledgements: sent in publish order, only once durable")
struct DurableAcksTests {
    @Test("an acknowledgement with nothing to sync goes out at once only when nothing is ahead of it")
    func atOnceOnlyWhenNothingWaits() {
        var acks = DurableAcks<Int>()
        #expect(acks.canSendAtOnce(generation: 0))
        #expect(!acks.canSendAtOnce(generation: 3))
        acks.append(1, generation: 3)
        #expect(!acks.canSendAtOnce(generation: 0))
    }

    @Test("acknowledgements wait for their generation and keep publish order")
    func waitsInOrder() {
        var acks = DurableAcks<Int>()
        var syncs = Syncs()
        acks.append(1, generation: 5)
        acks.append(2, generation: 0)
        acks.append(3, generation: 6)
        var sent: [Int] = []
        let wait = acks.flush(outcome: syncs.outcome) { ack, safe in
            sent.append(safe ? ack : -ack)
            return true
        }
        // Ack 2 needs no sync but must not overtake ack 1.
        #expect(sent.isEmpty)
        #expect(wait == 5)
        // Asking again before the wait ended does not register a second wait for the same generation.
        #expect(acks.flush(outcome: syncs.outcome) { _, _ in true } == nil)

        syncs.done[5] = true
        acks.waitEnded()
        let next = acks.flush(outcome: syncs.outcome) { ack, safe in
            sent.append(safe ? ack : -ack)
            return true
        }
        #expect(sent == [1, 2])
        #expect(next == 6)
        #expect(acks.count == 1)

        syncs.done[6] = true
        acks.waitEnded()
        #expect(acks.flush(outcome: syncs.outcome) { ack, _ in sent.append(ack); return true } == nil)
        #expect(sent == [1, 2, 3])
        #expect(acks.isEmpty)
    }

    @Test("a failed sync or a refused message is reported as not safe")
    func failuresAreNotSafe() {
        var acks = DurableAcks<Int>()
        acks.append(1, generation: 2)
        acks.append(2, accepted: false, generation: 0)
        acks.append(3, generation: 3)
        var results: [(Int, Bool)] = []
        _ = acks.flush(outcome: { $0 == 2 ? false : true }) { ack, safe in
            results.append((ack, safe))
            return true
        }
        #expect(results.map(\.0) == [1, 2, 3])
        #expect(results.map(\.1) == [false, false, true])
    }

    @Test("the sender can stop the flush; what it did not take stays queued")
    func senderStops() {
        var acks = DurableAcks<Int>()
        for i in 1...3 { acks.append(i, generation: 0) }
        var seen: [Int] = []
        _ = acks.flush(outcome: { _ in true }) { ack, _ in
            seen.append(ack)
            return ack < 2
        }
        #expect(seen == [1, 2])
        #expect(acks.count == 1)
        acks.removeAll()
        #expect(acks.isEmpty)
    }
}
