import Testing

@testable import MQTTFrontend

@Suite("MQTT keepalive on an injected clock")
struct MQTTKeepAliveTests {
    private static let second: UInt64 = 1_000_000_000

    @Test("the broker's maximum caps the client's keepalive; 0 means none")
    func negotiation() {
        #expect(MQTTKeepAlive(requested: 600, maximum: 60, now: 0).seconds == 60)
        #expect(MQTTKeepAlive(requested: 30, maximum: 60, now: 0).seconds == 30)
        let none = MQTTKeepAlive(requested: 0, maximum: 60, now: 0)
        #expect(none.seconds == 0)
        #expect(!none.isExpired(now: 1_000_000 * Self.second, paused: false))
    }

    @Test("the connection expires after 1.5 x keepalive of silence, not before")
    func expiry() {
        var k = MQTTKeepAlive(requested: 10, maximum: 60, now: 100 * Self.second)
        #expect(!k.isExpired(now: 115 * Self.second, paused: false))
        #expect(k.isExpired(now: 115 * Self.second + 1, paused: false))
        k.received(now: 114 * Self.second)
        #expect(!k.isExpired(now: 120 * Self.second, paused: false))
        #expect(k.isExpired(now: 130 * Self.second, paused: false))
    }

    @Test("a client the broker stopped reading (resource alarm) is not judged")
    func pausedIsNotJudged() {
        let k = MQTTKeepAlive(requested: 1, maximum: 60, now: 0)
        #expect(!k.isExpired(now: 100 * Self.second, paused: true))
        #expect(k.isExpired(now: 100 * Self.second, paused: false))
    }

    @Test("before CONNECT the clock runs from accept: silence is measured from there")
    func connectDeadlineClock() {
        let accepted = MQTTKeepAlive(requested: 0, maximum: 0, now: 50 * Self.second)
        #expect(accepted.silence(now: 60 * Self.second) == 10 * Self.second)
        #expect(!accepted.isExpired(now: 600 * Self.second, paused: false))
    }
}
