import Glibc
import Synchronization
import Testing
import TransportTestSupport
@testable import Transport

@Suite("EventLoop")
struct EventLoopTests {
    @Test("execute from another thread runs on the loop, in submission order")
    func executeRunsOnLoopInOrder() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let log = Recorder()
        #expect(!loop.inEventLoop)
        for i in 0..<100 {
            loop.execute { log.record(loop.inEventLoop ? "\(i)" : "off-loop \(i)") }
        }
        #expect(waitUntil { log.all.count == 100 })
        #expect(log.all == (0..<100).map { "\($0)" })
    }

    @Test("10 000 execute calls from two threads all run, each thread's tasks in order")
    func executeFromTwoThreads() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let loop = group.next()
        let seen = LoopLocal<[Int: Int]>([0: -1, 1: -1])
        let ran = Atomic<Int>(0)
        let outOfOrder = Atomic<Int>(0)
        let threads = (0..<2).map { producer in
            startThread {
                for i in 0..<5_000 {
                    loop.execute {
                        if seen.value[producer]! != i - 1 { outOfOrder.add(1, ordering: .relaxed) }
                        seen.value[producer] = i
                        ran.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        for thread in threads { pthread_join(thread, nil) }
        #expect(waitUntil { ran.load(ordering: .relaxed) == 10_000 })
        #expect(outOfOrder.load(ordering: .relaxed) == 0)
    }

    @Test("handOff to a parked loop runs at the end of the caller's turn on the caller's thread, as that loop")
    func handOffBorrowsParkedLoop() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let (a, b) = (group.loops[0], group.loops[1])
        let log = Recorder()
        #expect(waitUntil { b.isParked })
        a.execute {
            let caller = pthread_self()
            for i in 0..<3 {
                let task = TestTask { event in
                    guard case .handedOff(let argument) = event, let n = argument as? Counter else {
                        return log.record("wrong event")
                    }
                    let borrowed = pthread_self() == caller && b.inEventLoop && a.inEventLoop
                    log.record(borrowed ? "borrowed \(n.value)" : "woken \(n.value)")
                    if n.value == 2 {
                        b.runAtEndOfTurn { log.record("end of b's turn") }
                        b.scheduleTimer(after: .milliseconds(1)) {
                            log.record(b.inEventLoop && !a.inEventLoop ? "timer on b" : "timer elsewhere")
                        }
                    }
                }
                b.handOff(task, Counter(i))
            }
            log.record("a's turn goes on")
        }
        #expect(waitUntil { log.all.count == 6 })
        #expect(
            log.all == [
                "a's turn goes on", "borrowed 0", "borrowed 1", "borrowed 2", "end of b's turn", "timer on b",
            ])
        #expect(waitUntil { b.isParked }, "b is parked again once the borrower is done")
    }

    @Test("handOff to a busy loop goes through its inbox and runs on that loop's own thread")
    func handOffWakesBusyLoop() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let (a, b) = (group.loops[0], group.loops[1])
        let log = Recorder()
        let release = Atomic<Bool>(false)
        let busy = Atomic<Bool>(false)
        b.execute {
            busy.store(true, ordering: .relaxed)
            while !release.load(ordering: .relaxed) { sched_yield() }
        }
        #expect(waitUntil { busy.load(ordering: .relaxed) })
        a.execute {
            b.handOff(TestTask { _ in log.record(b.inEventLoop && !a.inEventLoop ? "on b's thread" : "borrowed") }, log)
            log.record("handed off")
        }
        #expect(waitUntil { log.all == ["handed off"] })
        release.store(true, ordering: .relaxed)
        #expect(waitUntil { log.all.count == 2 })
        #expect(log.all == ["handed off", "on b's thread"])
    }

    @Test("handOff from a thread that is no loop's is execute")
    func handOffFromPlainThread() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let log = Recorder()
        loop.handOff(TestTask { _ in log.record(loop.inEventLoop ? "on loop" : "elsewhere") }, log)
        #expect(waitUntil { log.all == ["on loop"] })
    }

    @Test("a task object scheduled with execute and runAtEndOfTurn is told which, in turn order")
    func taskObjectEvents() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let log = Recorder()
        let task = TestTask { event in
            switch event {
            case .executed: log.record("executed")
            case .endOfTurn: log.record("end of turn")
            case .handedOff: log.record("handed off")
            }
        }
        loop.execute {
            loop.runAtEndOfTurn(task)
            loop.execute(task)
            log.record("task body")
        }
        #expect(waitUntil { log.all.count == 3 })
        #expect(log.all == ["task body", "executed", "end of turn"])
    }

    @Test("execute on the loop itself runs later in the same loop, after the current task")
    func executeOnLoopIsDeferred() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let log = Recorder()
        loop.execute {
            loop.execute { log.record("inner") }
            log.record("outer")
        }
        #expect(waitUntil { log.all.count == 2 })
        #expect(log.all == ["outer", "inner"])
    }

    @Test("timers fire in deadline order, never early, and a cancelled timer does not fire")
    func timersFireInOrder() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let log = Recorder()
        let early = Atomic<Int>(0)
        loop.execute {
            let scheduledAt = loop.now
            @discardableResult func timer(_ name: String, _ milliseconds: Int) -> TimerID {
                loop.scheduleTimer(after: .milliseconds(milliseconds)) {
                    if loop.now - scheduledAt < UInt64(milliseconds) * 1_000_000 { early.add(1, ordering: .relaxed) }
                    log.record(name)
                }
            }
            timer("c", 30)
            timer("a", 10)
            let cancelled = timer("x", 15)
            timer("b", 20)
            timer("done", 40)
            loop.cancelTimer(cancelled)
        }
        #expect(waitUntil { log.contains("done") })
        #expect(log.all == ["a", "b", "c", "done"])
        #expect(early.load(ordering: .relaxed) == 0)
    }

    @Test("a timer scheduled from a timer fires too")
    func timerFromTimer() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let log = Recorder()
        loop.execute {
            loop.scheduleTimer(after: .milliseconds(5)) {
                log.record("first")
                loop.scheduleTimer(after: .zero) { log.record("second") }
            }
        }
        #expect(waitUntil { log.all.count == 2 })
        #expect(log.all == ["first", "second"])
    }

    @Test("now is monotonic across turns")
    func nowIsMonotonic() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let first = loop.now
        let log = Recorder()
        loop.execute {
            loop.scheduleTimer(after: .milliseconds(2)) { log.record(loop.now >= first + 2_000_000 ? "later" : "not later") }
        }
        #expect(waitUntil { log.all.count == 1 })
        #expect(log.all == ["later"])
    }

    @Test("shutdown runs the tasks already submitted, then stops; a second shutdown does nothing")
    func shutdownRunsPendingTasks() throws {
        let group = try EventLoopGroup(threads: 2)
        let ran = Atomic<Int>(0)
        for _ in 0..<1_000 {
            group.next().execute { ran.add(1, ordering: .relaxed) }
        }
        group.shutdown()
        #expect(ran.load(ordering: .relaxed) == 1_000)
        group.shutdown()
        group.loops[0].execute { ran.add(1, ordering: .relaxed) }
        #expect(ran.load(ordering: .relaxed) == 1_000)
    }

    @Test("next() hands out the loops round-robin")
    func nextIsRoundRobin() throws {
        let group = try EventLoopGroup(threads: 3)
        defer { group.shutdown() }
        let picked = (0..<6).map { _ in ObjectIdentifier(group.next()) }
        #expect(picked[0..<3] == picked[3..<6])
        #expect(Set(picked).count == 3)
    }
}

/// A `LoopTask` that runs a closure with the event it was scheduled for.
private final class TestTask: LoopTask {
    let body: @Sendable (LoopTaskEvent) -> Void

    init(_ body: @escaping @Sendable (LoopTaskEvent) -> Void) { self.body = body }

    func runLoopTask(_ event: LoopTaskEvent) { body(event) }
}

/// A number handed over as a `handOff` argument.
private final class Counter: Sendable {
    let value: Int

    init(_ value: Int) { self.value = value }
}
