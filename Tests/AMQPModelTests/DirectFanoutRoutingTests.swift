import AMQPValues
import Testing

@testable import AMQPModel

@Suite("Direct and fanout routing, binding bookkeeping")
struct DirectFanoutRoutingTests {
    @Test("direct routes on exact key equality, byte for byte")
    func direct() {
        var table = RoutingTable<String>(type: .direct)
        table.bind("q1", key: "orders", arguments: [:])
        table.bind("q2", key: "orders", arguments: [:])
        table.bind("q3", key: "", arguments: [:])
        #expect(table.destinations(for: "orders") == ["q1", "q2"])
        #expect(table.destinations(for: "Orders").isEmpty)
        #expect(table.destinations(for: "orders.x").isEmpty)
        #expect(table.destinations(for: "") == ["q3"])
        // "é" precomposed and decomposed are different keys on the wire.
        table.bind("q4", key: ByteString("caf\u{E9}"), arguments: [:])
        #expect(table.destinations(for: ByteString([0x63, 0x61, 0x66, 0x65, 0xCC, 0x81])).isEmpty)
    }

    @Test("bind is idempotent: the identical binding is not added twice")
    func idempotentBind() {
        var table = RoutingTable<String>(type: .direct)
        let first = table.bind("q", key: "k", arguments: ["a": .int32(1)])
        let again = table.bind("q", key: "k", arguments: ["a": .int32(1)])
        let otherArgs = table.bind("q", key: "k", arguments: ["a": .int32(2)])
        #expect(first && !again && otherArgs)
        #expect(table.count == 2)
        #expect(table.destinations(for: "k") == ["q"])
    }

    @Test("unbind removes exactly the named binding and reports a missing one")
    func unbind() {
        var table = RoutingTable<String>(type: .direct)
        table.bind("q", key: "k1", arguments: [:])
        table.bind("q", key: "k2", arguments: [:])
        let missing = table.unbind("q", key: "k3", arguments: [:])
        let wrongArgs = table.unbind("q", key: "k1", arguments: ["x": .bool(true)])
        let removed = table.unbind("q", key: "k1", arguments: [:])
        #expect(!missing && !wrongArgs && removed)
        #expect(table.destinations(for: "k1").isEmpty)
        #expect(table.destinations(for: "k2") == ["q"])
        #expect(table.count == 1)
        #expect(table.bindings == [RoutingBinding(destination: "q", key: "k2", arguments: [:])])
    }

    @Test("unbindAll removes every binding of a deleted destination and counts them", arguments: ExchangeType.allCases)
    func unbindAll(type: ExchangeType) {
        var table = RoutingTable<String>(type: type)
        table.bind("gone", key: "a", arguments: [:])
        table.bind("gone", key: "b", arguments: [:])
        table.bind("stays", key: "a", arguments: [:])
        table.bind("gone", key: "c", arguments: [:])
        var removed = table.unbindAll("gone")
        #expect(removed == 3)
        #expect(table.count == 1)
        #expect(table.bindings.map(\.destination) == ["stays"])
        #expect(!table.destinations(for: "a").contains("gone"))
        removed = table.unbindAll("gone")
        #expect(removed == 0)
    }

    @Test("fanout routes to every bound destination once, whatever the key")
    func fanout() {
        var table = RoutingTable<String>(type: .fanout)
        table.bind("q1", key: "", arguments: [:])
        table.bind("q2", key: "ignored", arguments: [:])
        table.bind("q2", key: "other", arguments: [:])
        #expect(table.destinations(for: "anything") == ["q1", "q2"])
        table.unbind("q1", key: "", arguments: [:])
        #expect(table.destinations(for: "") == ["q2"])
        table.unbind("q2", key: "ignored", arguments: [:])
        #expect(table.destinations(for: "") == ["q2"])
        table.unbind("q2", key: "other", arguments: [:])
        #expect(table.destinations(for: "").isEmpty)
    }

    @Test("listing keeps every binding with its arguments")
    func listing() {
        var table = RoutingTable<String>(type: .topic)
        table.bind("q1", key: "a.#", arguments: ["x": .string("y")])
        table.bind("q2", key: "b", arguments: [:])
        table.bind("q1", key: "c", arguments: [:])
        #expect(
            Set(table.bindings) == [
                RoutingBinding(destination: "q1", key: "a.#", arguments: ["x": .string("y")]),
                RoutingBinding(destination: "q2", key: "b", arguments: [:]),
                RoutingBinding(destination: "q1", key: "c", arguments: [:]),
            ])
    }

    @Test("targets accumulate across exchanges, deduplicated, and are reusable after removeAll")
    func targetsAcrossExchanges() {
        var direct = RoutingTable<String>(type: .direct)
        var fanout = RoutingTable<String>(type: .fanout)
        for i in 0..<20 { fanout.bind("q\(i)", key: "", arguments: [:]) }
        direct.bind("q3", key: "k", arguments: [:])
        direct.bind("only-direct", key: "k", arguments: [:])
        var targets = RouteTargets<String>()
        for _ in 0..<2 {
            targets.removeAll()
            direct.route(key: "k", headers: nil, into: &targets)
            fanout.route(key: "k", headers: nil, into: &targets)
            fanout.route(key: "k", headers: nil, into: &targets)
            #expect(targets.count == 21)
            #expect(targets[0].destination == "q3")
            #expect(targets[1].destination == "only-direct")
            #expect(Set(targets.map(\.destination)).count == 21)
            #expect(targets.contains("q19") && !targets.contains("q20"))
        }
    }

    @Test("targets keep the highest qos of a destination, below and above the linear-scan limit")
    func targetsMaxQoS() {
        var targets = RouteTargets<String>()
        for count in [3, 30] {
            targets.removeAll()
            for i in 0..<count { targets.insert("d\(i)", qos: 1) }
            targets.insert("d0", qos: 2)
            targets.insert("d1", qos: 0)
            #expect(targets.count == count)
            #expect(targets[0] == ("d0", 2))
            #expect(targets[1] == ("d1", 1))
        }
    }
}
