import AMQPValues
import Clocks
import Foundation
import Testing

@testable import AMQPModel

@Suite("Retained messages: expiry of messages with an expiration, kept across a reopen")
struct RetainedMessagesTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gw-retained-\(UUID().uuidString)").path

    private func open(_ coordinator: SyncCoordinator) -> RetainedMessages {
        VHost(
            name: "/", scheduler: RecordingScheduler(),
            storage: MessageStorage(root: root, segmentSize: 4096, codec: TestCodec(), coordinator: coordinator)
        ).retained
    }

    @Test("a message with an expiration is matched until it expires, with its absolute expiry; others never expire")
    func expiry() {
        let store = RetainedMessages()
        let before = MonotonicClock.unixMilliseconds()
        store.retain(message("soon", properties: properties(expiration: "50")), topic: "a/soon")
        store.retain(message("later", properties: properties(expiration: "600000")), topic: "a/later")
        store.retain(message("always"), topic: "a/always")
        let first = store.matching(filter: "a/#")
        #expect(first.map(\.topic) == ["a/always", "a/later", "a/soon"])
        #expect(first[0].expiresAt == .max)
        #expect(first[1].expiresAt >= before + 600_000)
        #expect(waitUntil(timeoutMs: 5_000) { store.matching(filter: "a/#").count == 2 })
        #expect(store.matching(filter: "a/#").map(\.topic) == ["a/always", "a/later"])
        #expect(store.all.map(\.topic) == ["a/always", "a/later"])
        #expect(store.message(topic: "a/soon") == nil)
        #expect(store.message(topic: "a/later") != nil)
    }

    @Test("the absolute expiry is written with the message and read back after a reopen")
    func expirySurvivesReopen() {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let c1 = SyncCoordinator(syncEnabled: true)
        let s1 = open(c1)
        _ = s1.retain(message("kept", properties: properties(expiration: "600000")), topic: "t/1")
        let g = s1.retain(message("plain"), topic: "t/2")
        #expect(waitUntil(timeoutMs: 5_000) { c1.outcome(g) != nil })
        let expiresAt = s1.matching(filter: "t/1")[0].expiresAt
        c1.shutdown()
        let c2 = SyncCoordinator(syncEnabled: true)
        defer { c2.shutdown() }
        let s2 = open(c2)
        let back = s2.matching(filter: "t/#")
        #expect(back.map(\.topic) == ["t/1", "t/2"])
        #expect(back[0].expiresAt == expiresAt)
        #expect(back[1].expiresAt == .max)
    }
}
