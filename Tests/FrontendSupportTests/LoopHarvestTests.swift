import FrontendSupport
import Glibc
import Synchronization
import Testing
import Transport

@Suite("LoopHarvest: reading loop-owned counters from another thread")
struct LoopHarvestTests {
    @Test("each loop answers once, on its own thread")
    func answersOnEachLoop() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let loops = LoopHarvest.distinct([group.loops[0], group.loops[1], group.loops[0]])
        #expect(loops.count == 2)
        let answers = LoopHarvest.collect(on: loops) { loop in
            (ObjectIdentifier(loop), loop.inEventLoop)
        }
        #expect(answers.count == 2)
        #expect(answers.allSatisfy { $0.1 })
        #expect(Set(answers.map(\.0)) == Set(loops.map(ObjectIdentifier.init)))
    }

    @Test("a loop that does not answer in time is left out instead of stalling the caller")
    func stuckLoopIsLeftOut() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let release = Mutex(false)
        group.loops[1].execute {
            while !release.withLock({ $0 }) { usleep(1000) }
        }
        let answers = LoopHarvest.collect(on: group.loops, timeout: .milliseconds(200)) { loop in
            ObjectIdentifier(loop)
        }
        release.withLock { $0 = true }
        #expect(answers == [ObjectIdentifier(group.loops[0])])
    }
}
