import AMQPValues
import Testing

@testable import AMQPModel

/// The `mqtt` exchange type: MQTT filter semantics on the routing key, qos from `x-mqtt-qos`.
@Suite("MQTT routing")
struct MQTTRoutingTests {
    @Test(
        "[MQTT-4.7.1-2][MQTT-4.7.2-1] the mqtt exchange agrees with MQTTTopicFilter.matches", arguments: MQTTMatrix.rows
    )
    func matrix(row: MQTTMatrix.Row) {
        var table = RoutingTable<String>(type: .mqtt)
        table.bind("session", key: ByteString(row.filter), arguments: [:])
        #expect(table.destinations(for: ByteString(row.topic)) == (row.matches ? ["session"] : []))
    }

    @Test("all matrix filters in one table route like each filter alone")
    func combined() {
        var table = RoutingTable<String>(type: .mqtt)
        let filters = Array(Set(MQTTMatrix.rows.map(\.filter)))
        for f in filters { table.bind(f, key: ByteString(f), arguments: [:]) }
        for topic in Set(MQTTMatrix.rows.map(\.topic)) {
            let expected = Set(
                filters.filter { MQTTTopicFilter.matches(filter: ByteString($0), topic: ByteString(topic)) })
            #expect(Set(table.destinations(for: ByteString(topic))) == expected, "topic \(topic)")
        }
    }

    @Test("[MQTT-3.3.5-1] overlapping subscriptions give one entry at the highest matching qos")
    func maxQoS() {
        var table = RoutingTable<String>(type: .mqtt)
        table.bind("s1", key: "a/#", arguments: ["x-mqtt-qos": .uint8(0)])
        table.bind("s1", key: "a/+", arguments: ["x-mqtt-qos": .int32(2)])
        table.bind("s1", key: "a/b", arguments: ["x-mqtt-qos": .int8(1)])
        table.bind("s2", key: "#", arguments: [:])
        table.bind("s2", key: "a/b", arguments: ["x-mqtt-qos": .int64(1)])
        var targets = RouteTargets<String>()
        table.route(key: "a/b", headers: nil, into: &targets)
        #expect(targets.count == 2)
        #expect(table.qos(for: "a/b") == ["s1": 2, "s2": 1])
        #expect(table.qos(for: "a") == ["s1": 0, "s2": 0])
        #expect(table.qos(for: "a/c") == ["s1": 2, "s2": 0])
        table.unbind("s1", key: "a/+", arguments: ["x-mqtt-qos": .int32(2)])
        #expect(table.qos(for: "a/b") == ["s1": 1, "s2": 1])
    }

    @Test("x-mqtt-qos out of range is clamped to 0...2")
    func qosClamp() {
        var table = RoutingTable<String>(type: .mqtt)
        table.bind("hi", key: "t", arguments: ["x-mqtt-qos": .int32(7)])
        table.bind("lo", key: "t", arguments: ["x-mqtt-qos": .int32(-1)])
        table.bind("str", key: "t", arguments: ["x-mqtt-qos": .string("2")])
        #expect(table.qos(for: "t") == ["hi": 2, "lo": 0, "str": 0])
    }

    @Test("routing keys are verbatim MQTT topics: dots are not separators")
    func dotsAreLiteral() {
        var table = RoutingTable<String>(type: .mqtt)
        table.bind("q", key: "a/+", arguments: [:])
        #expect(table.destinations(for: "a/b.c") == ["q"])
        #expect(table.destinations(for: "a.b").isEmpty)
    }

    @Test("unsubscribing prunes the trie so a re-subscribe starts clean")
    func pruneAndRebind() {
        var table = RoutingTable<String>(type: .mqtt)
        table.bind("q", key: "a/b/c/#", arguments: [:])
        table.bind("r", key: "a/b", arguments: [:])
        table.unbind("q", key: "a/b/c/#", arguments: [:])
        #expect(table.destinations(for: "a/b/c").isEmpty)
        #expect(table.destinations(for: "a/b") == ["r"])
        table.bind("q", key: "a/b/c/#", arguments: [:])
        #expect(table.destinations(for: "a/b/c/d") == ["q"])
    }
}
