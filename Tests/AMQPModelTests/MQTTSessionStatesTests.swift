import AMQPValues
import Foundation
import Testing

@testable import AMQPModel

@Suite("MQTT session QoS 2 state: durable, restored, compacted")
struct MQTTSessionStatesTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gw-sessions-\(UUID().uuidString)").path

    private func open(_ coordinator: SyncCoordinator) -> MQTTSessionStates {
        VHost(
            name: "/", scheduler: RecordingScheduler(),
            storage: MessageStorage(root: root, segmentSize: 4096, codec: TestCodec(), coordinator: coordinator)
        ).mqttSessions
    }

    private func waitDurable(_ coordinator: SyncCoordinator, _ generation: UInt64) {
        #expect(generation > 0)
        #expect(waitUntil(timeoutMs: 5_000) { coordinator.outcome(generation) != nil })
        #expect(coordinator.outcome(generation) == true)
    }

    @Test("each change is durable at the generation it returns and is there after a reopen")
    func survivesReopen() {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let s1 = open(c1)
        _ = s1.inboundPending("dev1", 7)
        _ = s1.inboundPending("dev1", 9)
        _ = s1.inboundReleased("dev1", 7)
        _ = s1.outboundPending("dev1", 3)
        _ = s1.outboundPending("dev1", 1)
        _ = s1.outboundPending("dev2", 5)
        let last = s1.outboundCompleted("dev2", 5)
        waitDurable(c1, last)
        #expect(s1.entry(for: "dev1") == .init(awaitingRelease: [9], awaitingCompletion: [3, 1]))
        c1.shutdown()

        let c2 = SyncCoordinator(syncEnabled: true)
        let s2 = open(c2)
        #expect(s2.entry(for: "dev1") == .init(awaitingRelease: [9], awaitingCompletion: [3, 1]))
        #expect(s2.entry(for: "dev2") == .init())
        #expect(s2.count == 1)
        waitDurable(c2, s2.ended("dev1"))
        c2.shutdown()
        let c3 = SyncCoordinator(syncEnabled: true)
        defer { c3.shutdown() }
        #expect(open(c3).count == 0)
    }

    @Test("thousands of changes are compacted into a snapshot that restores the same state")
    func compaction() {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let s1 = open(c1)
        var last: UInt64 = 0
        for i in 0..<10_000 {
            let id = UInt16(i % 500 + 1)
            last = i % 2 == 0 ? s1.inboundPending("dev", id) : s1.inboundReleased("dev", id)
        }
        _ = s1.outboundPending("other", 42)
        last = s1.inboundPending("dev", 60_000)
        waitDurable(c1, last)
        let expected = s1.entry(for: "dev")
        c1.shutdown()
        let logs = (try? FileManager.default.subpathsOfDirectory(atPath: root + "/sessions")) ?? []
        #expect(logs.contains { $0.hasSuffix("mqtt-sessions.snapshot") })
        let c2 = SyncCoordinator(syncEnabled: true)
        defer { c2.shutdown() }
        let s2 = open(c2)
        #expect(s2.entry(for: "dev") == expected)
        #expect(s2.entry(for: "other").awaitingCompletion == [42])
    }

    @Test("an MQTT 5 session's expiry and disconnect time survive a reopen, through the log and a snapshot")
    func expiry() {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let s1 = open(c1)
        s1.expirySet("v5", .init(interval: 300, disconnectedAt: 0))
        s1.expirySet("v5", .init(interval: 600, disconnectedAt: 1_700_000_000_000))
        s1.expirySet("was5", .init(interval: 60, disconnectedAt: 0))
        waitDurable(c1, s1.expiryCleared("was5"))
        c1.shutdown()

        let c2 = SyncCoordinator(syncEnabled: true)
        let s2 = open(c2)
        #expect(s2.entry(for: "v5").expiry == .init(interval: 600, disconnectedAt: 1_700_000_000_000))
        #expect(s2.entry(for: "was5") == .init())
        #expect(s2.expiring.map(\.client) == ["v5"])
        // Enough changes to compact: the snapshot keeps the expiry too.
        var last: UInt64 = 0
        for i in 0..<10_000 { last = i % 2 == 0 ? s2.inboundPending("busy", 1) : s2.inboundReleased("busy", 1) }
        waitDurable(c2, last)
        c2.shutdown()
        let c3 = SyncCoordinator(syncEnabled: true)
        defer { c3.shutdown() }
        #expect(open(c3).entry(for: "v5").expiry == .init(interval: 600, disconnectedAt: 1_700_000_000_000))
    }

    @Test("a will waiting for its delay is kept with its due time until done, through the log and a snapshot")
    func pendingWill() {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let s1 = open(c1)
        s1.willPending("dev", .init(message: message("bye", key: "status/dev"), retain: true, dueAt: 1_234))
        s1.willPending("gone", .init(message: message("x", key: "status/gone"), retain: false, dueAt: 5))
        waitDurable(c1, s1.willDone("gone"))
        c1.shutdown()

        let c2 = SyncCoordinator(syncEnabled: true)
        let s2 = open(c2)
        let wills = s2.pendingWills
        #expect(wills.count == 1)
        #expect(wills.first?.client == "dev")
        #expect(wills.first?.will.message.routingKey == "status/dev")
        #expect(wills.first?.will.message.body == Array("bye".utf8))
        #expect(wills.first?.will.retain == true && wills.first?.will.dueAt == 1_234)
        var last: UInt64 = 0
        for i in 0..<10_000 { last = i % 2 == 0 ? s2.inboundPending("busy", 1) : s2.inboundReleased("busy", 1) }
        waitDurable(c2, last)
        c2.shutdown()
        let c3 = SyncCoordinator(syncEnabled: true)
        defer { c3.shutdown() }
        let s3 = open(c3)
        #expect(s3.pendingWills.map(\.client) == ["dev"])
        #expect(s3.pendingWills.first?.will.dueAt == 1_234)
    }

    @Test("what a session has left: the whole interval while connected, then counting from the disconnect")
    func remaining() {
        let connected = MQTTSessionStates.Expiry(interval: 10, disconnectedAt: 0)
        #expect(connected.remaining(at: 5_000_000) == 10_000)
        let gone = MQTTSessionStates.Expiry(interval: 10, disconnectedAt: 1_000_000)
        #expect(gone.remaining(at: 1_004_000) == 6_000)
        #expect(gone.remaining(at: 2_000_000) == 0)
    }

    @Test("shared subscriptions a session holds survive a reopen and tell whether a group queue must stay")
    func sharedSubscriptions() {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let s1 = open(c1)
        _ = s1.sharedHeld("a", "$share/g/t", qos: 1)
        _ = s1.sharedHeld("b", "$share/g/t", qos: 2)
        _ = s1.sharedHeld("b", "$share/h/u", qos: 0)
        waitDurable(c1, s1.sharedDropped("b", "$share/g/t"))
        c1.shutdown()
        let c2 = SyncCoordinator(syncEnabled: true)
        defer { c2.shutdown() }
        let s2 = open(c2)
        #expect(s2.entry(for: "a").shared == ["$share/g/t": 1])
        #expect(s2.entry(for: "b").shared == ["$share/h/u": 0])
        #expect(s2.isHeld(shared: "$share/g/t"))
        _ = s2.ended("a")
        #expect(!s2.isHeld(shared: "$share/g/t"))
        #expect(s2.sharedDropped("a", "$share/g/t") == 0, "dropping what is not held writes nothing")
    }

    @Test("without storage the state is kept in memory and nothing waits for a sync")
    func inMemory() {
        let s = MQTTSessionStates()
        #expect(s.inboundPending("a", 1) == 0)
        #expect(s.entry(for: "a").awaitingRelease == [1])
        #expect(s.ended("a") == 0)
        #expect(s.count == 0)
    }
}
