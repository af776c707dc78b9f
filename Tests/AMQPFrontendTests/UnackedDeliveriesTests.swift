import Testing

@testable import AMQPFrontend

/// A delivery stand-in: only the tag matters to the settlement rules.
private struct Tagged: TaggedDelivery, Equatable {
    let tag: UInt64
    var settled = false
}

@Suite("Channel settlement: ack, nack and reject by delivery tag")
struct UnackedDeliveriesTests {
    private static func channel(_ tags: ClosedRange<UInt64>) -> UnackedDeliveries<Tagged> {
        var u = UnackedDeliveries<Tagged>()
        for t in tags { u.append(Tagged(tag: t)) }
        return u
    }

    @Test("a single tag settles that delivery only; settling it again is unknown (a channel error for the caller)")
    func single() {
        var u = Self.channel(1...5)
        #expect(u.take(tag: 3, multiple: false)?.map(\.tag) == [3])
        #expect(u.count == 4)
        #expect(u.take(tag: 3, multiple: false) == nil)
        #expect(u.take(tag: 9, multiple: false) == nil)
    }

    @Test("multiple settles every unsettled delivery up to the tag, skipping those settled before")
    func multiple() {
        var u = Self.channel(1...6)
        _ = u.take(tag: 2, multiple: false)
        #expect(u.take(tag: 4, multiple: true)?.map(\.tag) == [1, 3, 4])
        #expect(u.count == 2)
        var seen: [UInt64] = []
        #expect(u.settle(tag: 6, multiple: true) { seen.append($0.tag) })
        #expect(seen == [5, 6])
        #expect(u.count == 0)
    }

    @Test("tag 0 with multiple settles everything outstanding")
    func all() {
        var u = Self.channel(1...3)
        _ = u.take(tag: 2, multiple: false)
        #expect(u.take(tag: 0, multiple: true)?.map(\.tag) == [1, 3])
        #expect(u.count == 0)
        var v = Self.channel(4...5)
        var seen: [UInt64] = []
        #expect(v.settle(tag: 0, multiple: true) { seen.append($0.tag) })
        #expect(seen == [4, 5])
    }

    @Test("settling an unknown tag in place settles nothing")
    func unknownInPlace() {
        var u = Self.channel(1...3)
        var seen = 0
        #expect(!u.settle(tag: 7, multiple: true) { _ in seen += 1 })
        #expect(seen == 0)
        #expect(u.count == 3)
    }

    @Test("tx.rollback puts taken deliveries back unsettled, in tag order")
    func restore() {
        var u = Self.channel(1...4)
        let taken = u.take(tag: 3, multiple: true) ?? []
        #expect(u.count == 1)
        u.restore(taken)
        #expect(u.count == 4)
        #expect(u.takeAll().map(\.tag) == [1, 2, 3, 4])
    }

    @Test("a long stream settled from the front stays small and keeps answering")
    func longStream() {
        var u = UnackedDeliveries<Tagged>()
        for t in UInt64(1)...5000 {
            u.append(Tagged(tag: t))
            if t % 2 == 0 { #expect(u.take(tag: t, multiple: true)?.count == 2) }
        }
        #expect(u.count == 0)
        u.append(Tagged(tag: 5001))
        #expect(u.take(tag: 5001, multiple: false)?.map(\.tag) == [5001])
    }
}
