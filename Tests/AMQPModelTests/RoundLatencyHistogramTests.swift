import Dispatch
import Testing

@testable import AMQPModel

@Suite("Sync round latency histogram")
struct RoundLatencyHistogramTests {
    @Test("buckets are cumulative, with the sum and count of every round")
    func cumulative() {
        var h = RoundLatencyHistogram()
        h.record(seconds: 0.0003)
        h.record(seconds: 0.004)
        h.record(seconds: 3)
        #expect(h.cumulative[0] == 1)  // <= 0.5 ms
        #expect(h.cumulative[3] == 2)  // <= 5 ms
        #expect(h.cumulative.last == 2)  // <= 2.5 s: the 3 s round is only in +Inf (the count)
        #expect(h.count == 3)
        #expect(abs(h.sum - 3.0043) < 1e-9)
    }

    @Test("the sync thread records one entry per round")
    func recordedByRounds() {
        let coordinator = SyncCoordinator(syncEnabled: false)
        defer { coordinator.shutdown() }
        let done = DispatchSemaphore(value: 0)
        coordinator.whenDurable(coordinator.markDefinitionsChanged()) { _ in done.signal() }
        #expect(done.wait(timeout: .now() + 5) == .success, "the round did not complete within 5 s")
        #expect(coordinator.roundLatency.count >= 1)
    }
}
