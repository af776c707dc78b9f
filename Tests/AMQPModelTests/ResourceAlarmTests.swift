import Synchronization
import Testing

@testable import AMQPModel

@Suite("Resource alarm: one per broker, counted by the messages alive")
struct ResourceAlarmTests {
    @Test("messages raise the memory alarm past the watermark; it clears below 90 % and runs its waiters once")
    func memoryAlarm() {
        let alarm = ResourceAlarm(highWatermark: 10 * (ResourceAlarm.overheadPerMessage + 100))
        let other = ResourceAlarm()
        var held: [Message] = []
        for _ in 0..<10 { held.append(message(String(repeating: "x", count: 100), alarm: alarm)) }
        #expect(!alarm.isAlarmed)
        held.append(message(String(repeating: "x", count: 100), alarm: alarm))
        #expect(alarm.isAlarmed)
        #expect(alarm.cause == .memory)
        // Another broker's alarm is not affected.
        #expect(other.liveBytes == 0 && !other.isAlarmed)

        let fired = Atomic<Int>(0)
        alarm.whenCleared { fired.add(1, ordering: .relaxed) }
        held.removeLast(1)
        // At the watermark but not below 90 % of it: still on.
        #expect(alarm.isAlarmed)
        #expect(fired.load(ordering: .relaxed) == 0)
        held.removeLast(2)
        #expect(!alarm.isAlarmed)
        #expect(fired.load(ordering: .relaxed) == 1)
        held.removeAll()
        #expect(alarm.liveBytes == 0)
        #expect(fired.load(ordering: .relaxed) == 1)
    }

    @Test("a dead-lettered copy counts against the same alarm as its original")
    func deadLetterCopy() {
        let alarm = ResourceAlarm()
        let original = message("body", alarm: alarm)
        let copy = DeadLetter.message(from: original, queue: "q", reason: "expired", exchange: "dlx", routingKey: nil)
        #expect(copy.alarm === alarm)
        #expect(alarm.liveBytes == 2 * (ResourceAlarm.overheadPerMessage + 4))
    }

    @Test("the disk alarm blocks until cleared, then runs the waiters")
    func diskAlarm() {
        let alarm = ResourceAlarm()
        alarm.setDiskAlarm(true)
        #expect(alarm.isAlarmed && alarm.cause == .disk)
        let fired = Atomic<Int>(0)
        alarm.whenCleared { fired.add(1, ordering: .relaxed) }
        #expect(fired.load(ordering: .relaxed) == 0)
        alarm.setDiskAlarm(false)
        #expect(fired.load(ordering: .relaxed) == 1)
        #expect(alarm.cause == nil)
        // Registered while clear: runs at once.
        alarm.whenCleared { fired.add(1, ordering: .relaxed) }
        #expect(fired.load(ordering: .relaxed) == 2)
    }
}
