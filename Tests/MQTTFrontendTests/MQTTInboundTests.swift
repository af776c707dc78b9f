import MQTTCodec
import Testing

@testable import MQTTFrontend

@Suite("MQTT inbound flow: what to route and what to answer")
struct MQTTInboundTests {
    @Test("QoS 0 is routed without answer; QoS 1 is routed and answered with PUBACK")
    func qos0and1() {
        var inbound = MQTTInbound()
        #expect(inbound.publish(qos: .atMostOnce, packetId: nil) == .init(route: true, ack: nil))
        #expect(inbound.publish(qos: .atLeastOnce, packetId: 9) == .init(route: true, ack: .pubAck(.init(packetId: 9))))
        // QoS 1 is at least once: a resent PUBLISH is routed again.
        #expect(inbound.publish(qos: .atLeastOnce, packetId: 9).route)
    }

    @Test("a resent QoS 2 PUBLISH is answered with PUBREC again but not routed twice, until PUBREL")
    func qos2Once() {
        var inbound = MQTTInbound()
        #expect(inbound.publish(qos: .exactlyOnce, packetId: 4) == .init(route: true, ack: .pubRec(.init(packetId: 4))))
        #expect(inbound.publish(qos: .exactlyOnce, packetId: 4) == .init(route: false, ack: .pubRec(.init(packetId: 4))))
        #expect(inbound.pubRel(4) == .pubComp(.init(packetId: 4)))
        #expect(inbound.awaitingRelease.isEmpty)
        // After PUBREL the id is a new message.
        #expect(inbound.publish(qos: .exactlyOnce, packetId: 4).route)
    }

    @Test("the ids awaiting PUBREL survive a reconnect through the saved session state")
    func resumed() {
        var first = MQTTInbound()
        _ = first.publish(qos: .exactlyOnce, packetId: 11)
        var resumed = MQTTInbound(awaitingRelease: first.awaitingRelease)
        #expect(!resumed.publish(qos: .exactlyOnce, packetId: 11).route)
        // PUBREL for an id the broker does not know is still completed [MQTT-4.3.3-2].
        #expect(resumed.pubRel(12) == .pubComp(.init(packetId: 12)))
    }
}
