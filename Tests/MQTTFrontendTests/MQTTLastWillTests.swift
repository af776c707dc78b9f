import MQTTCodec
import Testing

@testable import MQTTFrontend

@Suite("MQTT will: published on any end but DISCONNECT, at most once")
struct MQTTLastWillTests {
    private let will = MQTTPacket.Connect.Will(topic: "status/dev1", payload: Array("gone".utf8), qos: .atLeastOnce, retain: true)

    @Test("a connection lost without DISCONNECT publishes the will once")
    func lost() {
        var w = MQTTLastWill(will)
        #expect(w.isArmed)
        #expect(w.connectionEnded() == will)
        #expect(w.connectionEnded() == nil)
    }

    @Test("DISCONNECT (or a broker shutdown) discards the will")
    func discarded() {
        var w = MQTTLastWill(will)
        w.discard()
        #expect(!w.isArmed)
        #expect(w.connectionEnded() == nil)
        var none = MQTTLastWill()
        #expect(none.connectionEnded() == nil)
    }
}
