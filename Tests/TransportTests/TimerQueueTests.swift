import Testing
@testable import Transport

@Suite("TimerQueue")
struct TimerQueueTests {
    @Test("due timers pop in deadline order, ties in scheduling order, cancelled ones never")
    func popOrder() {
        var queue = TimerQueue()
        var fired: [String] = []
        for (name, deadline) in [("d", 40), ("a", 10), ("b1", 20), ("x", 15), ("b2", 20), ("late", 100)] {
            let id = queue.schedule(deadline: UInt64(deadline)) { fired.append(name) }
            if name == "x" { queue.cancel(id) }
        }
        #expect(queue.earliestDeadline() == 10)
        while let body = queue.popDue(now: 50) { body() }
        #expect(fired == ["a", "b1", "b2", "d"])
        #expect(queue.earliestDeadline() == 100)
        #expect(queue.count == 1)
    }

    @Test("a cancelled earliest timer does not hold the next deadline back")
    func cancelledHead() {
        var queue = TimerQueue()
        let first = queue.schedule(deadline: 5) {}
        _ = queue.schedule(deadline: 9) {}
        queue.cancel(first)
        #expect(queue.earliestDeadline() == 9)
        #expect(queue.popDue(now: 8) == nil)
    }
}
