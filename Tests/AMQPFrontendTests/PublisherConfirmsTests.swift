import Testing

@testable import AMQPFrontend

@Suite("Publisher confirms: order, multiple acks, nacks, waiting for the disk")
struct PublisherConfirmsTests {
    private func flush(_ c: inout PublisherConfirms, _ done: [UInt64: Bool] = [:]) -> ([PublisherConfirms.Confirm], UInt64?) {
        var out: [PublisherConfirms.Confirm] = []
        let wait = c.flush(outcome: { done[$0] }) { out.append($0) }
        return (out, wait)
    }

    @Test("the first pending confirm asks for a flush; a run of acks collapses into one multiple ack")
    func multipleAck() {
        var c = PublisherConfirms()
        let asks = (0..<3).map { _ in c.published(accepted: true, generation: 0) }
        #expect(asks == [true, false, false])
        let (out, wait) = flush(&c)
        #expect(out == [.ack(deliveryTag: 3, multiple: true)])
        #expect(wait == nil)
        #expect(c.isEmpty)
        let again = c.published(accepted: true, generation: 0)
        #expect(again)
        #expect(flush(&c).0 == [.ack(deliveryTag: 4, multiple: false)])
    }

    @Test("a refused publish is nacked alone, between the ack runs around it")
    func nackSplitsRuns() {
        var c = PublisherConfirms()
        for accepted in [true, true, false, true] { _ = c.published(accepted: accepted, generation: 0) }
        #expect(
            flush(&c).0 == [
                .ack(deliveryTag: 2, multiple: true), .nack(deliveryTag: 3), .ack(deliveryTag: 4, multiple: false),
            ])
        #expect(c.confirmed == 3)
    }

    @Test("a persistent publish is confirmed only after its sync; a failed sync is a nack")
    func waitsForSync() {
        var c = PublisherConfirms()
        _ = c.published(accepted: true, generation: 0)
        _ = c.published(accepted: true, generation: 7)
        _ = c.published(accepted: true, generation: 0)
        _ = c.published(accepted: true, generation: 8)
        var (out, wait) = flush(&c)
        #expect(out == [.ack(deliveryTag: 1, multiple: false)])
        #expect(wait == 7)
        c.waitEnded()
        (out, wait) = flush(&c, [7: true])
        #expect(out == [.ack(deliveryTag: 3, multiple: true)])
        #expect(wait == 8)
        c.waitEnded()
        (out, wait) = flush(&c, [7: true, 8: false])
        #expect(out == [.nack(deliveryTag: 4)])
        #expect(wait == nil)
        #expect(c.isEmpty)
    }

    @Test("a closed channel forgets its pending confirms; numbering goes on")
    func removeAll() {
        var c = PublisherConfirms()
        _ = c.published(accepted: true, generation: 3)
        c.removeAll()
        #expect(c.isEmpty)
        let first = c.published(accepted: true, generation: 0)
        #expect(first)
        #expect(flush(&c).0 == [.ack(deliveryTag: 2, multiple: false)])
    }
}
