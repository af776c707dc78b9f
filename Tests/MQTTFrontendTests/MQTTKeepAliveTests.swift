import Testing

@testable import MQTTFrontend

@Suite("MQTT keepalive on an injected clock")
struct MQTTKeepAliveTests {
    private static let second: UInt64 = 1_000_000_000

    /// `isExpired` at each of `checks` in turn (it dates arrivals, so it mutates: outside `#expect`).
    private static func expiries(_ k: inout MQTTKeepAlive, _ checks: [UInt64], paused: Bool = false) -> [Bool] {
        checks.map { k.isExpired(now: $0, paused: paused) }
    }

    @Test("the broker's maximum caps the client's keepalive; 0 means none")
    func negotiation() {
        #expect(MQTTKeepAlive(requested: 600, maximum: 60, now: 0).seconds == 60)
        #expect(MQTTKeepAlive(requested: 30, maximum: 60, now: 0).seconds == 30)
        var none = MQTTKeepAlive(requested: 0, maximum: 60, now: 0)
        #expect(none.seconds == 0)
        #expect(Self.expiries(&none, [1_000_000 * Self.second]) == [false])
    }

    @Test("the connection expires after 1.5 x keepalive of silence, not before")
    func expiry() {
        var k = MQTTKeepAlive(requested: 10, maximum: 60, now: 100 * Self.second)
        #expect(Self.expiries(&k, [115 * Self.second, 115 * Self.second + 1]) == [false, true])
    }

    @Test("an arrival is dated by the next check: silence is counted from there")
    func arrivalDatedByNextCheck() {
        var k = MQTTKeepAlive(requested: 10, maximum: 60, now: 100 * Self.second)
        #expect(Self.expiries(&k, [110 * Self.second]) == [false])
        k.received()
        let afterOne = Self.expiries(&k, [114 * Self.second, 129 * Self.second, 129 * Self.second + 1])
        #expect(afterOne == [false, false, true])
        k.received()
        k.received()
        #expect(Self.expiries(&k, [140 * Self.second, 156 * Self.second]) == [false, true])
    }

    @Test("a client the broker stopped reading (resource alarm) is not judged")
    func pausedIsNotJudged() {
        var k = MQTTKeepAlive(requested: 1, maximum: 60, now: 0)
        #expect(Self.expiries(&k, [100 * Self.second], paused: true) == [false])
        #expect(Self.expiries(&k, [100 * Self.second]) == [true])
    }

    @Test("before CONNECT the clock runs from accept: silence is measured from there")
    func connectDeadlineClock() {
        var accepted = MQTTKeepAlive(requested: 0, maximum: 0, now: 50 * Self.second)
        #expect(accepted.silence(now: 60 * Self.second) == 10 * Self.second)
        #expect(Self.expiries(&accepted, [600 * Self.second]) == [false])
    }
}
