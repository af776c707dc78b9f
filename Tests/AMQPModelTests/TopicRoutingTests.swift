import AMQPValues
import Testing

@testable import AMQPModel

/// The `topic` exchange against RabbitMQ's own topic matching test (`rabbit_tests:test_topic_matching`):
/// the same bindings, keys and expected queues, before and after removing some bindings.
@Suite("Topic routing")
struct TopicRoutingTests {
    static let bindings: [(key: String, queue: String)] = [
        ("a.b.c", "t1"), ("a.*.c", "t2"), ("a.#.b", "t3"), ("a.b.b.c", "t4"), ("#", "t5"), ("#.#", "t6"),
        ("#.b", "t7"), ("*.*", "t8"), ("a.*", "t9"), ("*.b.c", "t10"), ("a.#", "t11"), ("a.#.#", "t12"),
        ("b.b.c", "t13"), ("a.b.b", "t14"), ("a.b", "t15"), ("b.c", "t16"), ("", "t17"), ("*.*.*", "t18"),
        ("vodka.martini", "t19"), ("a.b.c", "t20"), ("*.#", "t21"), ("#.*.#", "t22"), ("*.#.#", "t23"),
        ("#.#.#", "t24"), ("*", "t25"), ("#.b.#", "t26"),
    ]

    static let expected: [(key: String, queues: [String])] = [
        ("a.b.c", ["t1", "t2", "t5", "t6", "t10", "t11", "t12", "t18", "t20", "t21", "t22", "t23", "t24", "t26"]),
        ("a.b", ["t3", "t5", "t6", "t7", "t8", "t9", "t11", "t12", "t15", "t21", "t22", "t23", "t24", "t26"]),
        ("a.b.b", ["t3", "t5", "t6", "t7", "t11", "t12", "t14", "t18", "t21", "t22", "t23", "t24", "t26"]),
        ("", ["t5", "t6", "t17", "t24"]),
        ("b.c.c", ["t5", "t6", "t18", "t21", "t22", "t23", "t24", "t26"]),
        ("a.a.a.a.a", ["t5", "t6", "t11", "t12", "t21", "t22", "t23", "t24"]),
        ("vodka.gin", ["t5", "t6", "t8", "t21", "t22", "t23", "t24"]),
        ("vodka.martini", ["t5", "t6", "t8", "t19", "t21", "t22", "t23", "t24"]),
        ("b.b.c", ["t5", "t6", "t10", "t13", "t18", "t21", "t22", "t23", "t24", "t26"]),
        ("nothing.here.at.all", ["t5", "t6", "t21", "t22", "t23", "t24"]),
        ("oneword", ["t5", "t6", "t21", "t22", "t23", "t24", "t25"]),
    ]

    /// RabbitMQ removes bindings 1, 5, 11, 19 and 21 and checks again.
    static let afterRemoval: [(key: String, queues: [String])] = [
        ("a.b.c", ["t2", "t6", "t10", "t12", "t18", "t20", "t22", "t23", "t24", "t26"]),
        ("a.b", ["t3", "t6", "t7", "t8", "t9", "t12", "t15", "t22", "t23", "t24", "t26"]),
        ("a.b.b", ["t3", "t6", "t7", "t12", "t14", "t18", "t22", "t23", "t24", "t26"]),
        ("", ["t6", "t17", "t24"]),
        ("b.c.c", ["t6", "t18", "t22", "t23", "t24", "t26"]),
        ("a.a.a.a.a", ["t6", "t12", "t22", "t23", "t24"]),
        ("vodka.gin", ["t6", "t8", "t22", "t23", "t24"]),
        ("vodka.martini", ["t6", "t8", "t22", "t23", "t24"]),
        ("b.b.c", ["t6", "t10", "t13", "t18", "t22", "t23", "t24", "t26"]),
        ("nothing.here.at.all", ["t6", "t22", "t23", "t24"]),
        ("oneword", ["t6", "t22", "t23", "t24", "t25"]),
    ]

    static func rabbitTable() -> RoutingTable<String> {
        var table = RoutingTable<String>(type: .topic)
        for b in bindings { table.bind(b.queue, key: ByteString(b.key), arguments: [:]) }
        return table
    }

    @Test("RabbitMQ's topic matching test")
    func rabbitMatrix() {
        let table = Self.rabbitTable()
        for row in Self.expected {
            #expect(Set(table.destinations(for: ByteString(row.key))) == Set(row.queues), "key \"\(row.key)\"")
        }
    }

    @Test("RabbitMQ's topic matching test after removing bindings, then after removing all")
    func rabbitMatrixAfterRemoval() {
        var table = Self.rabbitTable()
        for i in [0, 4, 10, 18, 20] {
            let changed = table.unbind(Self.bindings[i].queue, key: ByteString(Self.bindings[i].key), arguments: [:])
            #expect(changed)
        }
        for row in Self.afterRemoval {
            #expect(Set(table.destinations(for: ByteString(row.key))) == Set(row.queues), "key \"\(row.key)\"")
        }
        for b in Self.bindings where table.bindings.contains(where: { $0.destination == b.queue && $0.key == ByteString(b.key) }) {
            let changed = table.unbind(b.queue, key: ByteString(b.key), arguments: [:])
            #expect(changed)
        }
        #expect(table.count == 0)
        for key in ["a.b.c", "b.b.c", ""] { #expect(table.destinations(for: ByteString(key)).isEmpty) }
    }

    @Test(
        "single pattern against single key",
        arguments: [
            ("*", "", false), ("*", "a", true), ("*", "a.b", false), ("*", ".", false),
            ("#", "", true), ("#", ".", true), ("#", "a.b.c", true),
            ("", "", true), ("", ".", false), ("", "a", false),
            ("a.*", "a.", true), ("a.*", "a", false), ("a.*", "a.b.c", false), ("*.a", ".a", true),
            ("*.*", ".", true), ("*.*.*", "..", true), ("a..b", "a..b", true), ("a.*.b", "a..b", true),
            ("a.#.b", "a.b", true), ("a.#.b", "a.x.y.b", true), ("a.#.b", "a.b.c", false), ("a.#.b", "a..b", true),
            ("#.#", "", true), ("#.#", "a", true), ("#.a.#", "a", true), ("#.a.#", "b.a.b", true), ("#.a.#", "b", false),
            ("a.#", "a", true), ("a.#", "a.", true), ("a.#", "ab", false), ("#.a", "a", true), ("#.a", "x.a", true),
            ("*.#", "", false), ("*.#", "a", true), ("#.*", "a.b.c", true), ("#.*", "", false),
            ("a*", "a*", true), ("a*", "ab", false), ("a#", "ab", false), ("a#", "a#", true),
            ("A.b", "a.b", false), ("a.b", "a.b.", false), (".", ".", true), (".", "", false),
        ])
    func singlePattern(pattern: String, key: String, matches: Bool) {
        var table = RoutingTable<String>(type: .topic)
        table.bind("q", key: ByteString(pattern), arguments: [:])
        #expect(table.destinations(for: ByteString(key)) == (matches ? ["q"] : []))
    }

    @Test("a queue bound with several matching patterns is routed to once")
    func deduplicates() {
        var table = RoutingTable<String>(type: .topic)
        for p in ["#", "a.*", "a.b", "*.b", "#.#"] { table.bind("q", key: ByteString(p), arguments: [:]) }
        table.bind("r", key: "a.b", arguments: [:])
        #expect(table.destinations(for: "a.b") == ["q", "r"] || table.destinations(for: "a.b") == ["r", "q"])
    }

    @Test("bindings of one pattern with different arguments are separate; removing one keeps the other")
    func argumentAliasing() {
        var table = RoutingTable<String>(type: .topic)
        let addedBar = table.bind("t27", key: "args-test", arguments: ["foo": .string("bar")])
        let addedBaz = table.bind("t27", key: "args-test", arguments: ["foo": .string("baz")])
        #expect(addedBar && addedBaz)
        #expect(table.count == 2)
        let removedBar = table.unbind("t27", key: "args-test", arguments: ["foo": .string("bar")])
        #expect(removedBar)
        #expect(table.destinations(for: "args-test") == ["t27"])
        let removedBaz = table.unbind("t27", key: "args-test", arguments: ["foo": .string("baz")])
        #expect(removedBaz)
        #expect(table.destinations(for: "args-test").isEmpty)
    }

    @Test("many literal siblings at one level route exactly")
    func wideLevel() {
        var table = RoutingTable<String>(type: .topic)
        for i in 0..<2000 { table.bind("q\(i)", key: ByteString("dev.\(i).temp"), arguments: [:]) }
        #expect(table.destinations(for: "dev.1234.temp") == ["q1234"])
        #expect(table.destinations(for: "dev.2000.temp").isEmpty)
        for i in 0..<2000 where i != 7 { table.unbindAll("q\(i)") }
        #expect(table.destinations(for: "dev.7.temp") == ["q7"])
        #expect(table.count == 1)
    }

    @Test("many consecutive # words route in bounded time")
    func manyHashes() {
        var table = RoutingTable<String>(type: .topic)
        let pattern = Array(repeating: "#", count: 100).joined(separator: ".")
        table.bind("q", key: ByteString(pattern + ".z"), arguments: [:])
        let key = Array(repeating: "a", count: 200).joined(separator: ".")
        #expect(table.destinations(for: ByteString(key)).isEmpty)
        #expect(table.destinations(for: ByteString(key + ".z")) == ["q"])
    }

    @Test("patterns with many # separated by words route in bounded time, and stay exact")
    func nestedHashes() {
        var table = RoutingTable<String>(type: .topic)
        table.bind("q", key: "#.a.#.a.#.a.#.a.#.a.#.a.#.b", arguments: [:])
        table.bind("r", key: "#.a.#.a", arguments: [:])
        let key = Array(repeating: "a", count: 127).joined(separator: ".")
        #expect(table.destinations(for: ByteString(key)) == ["r"])
        #expect(table.destinations(for: ByteString(key + ".b")) == ["q"])
        #expect(table.destinations(for: "a.a.a.a.a.b").isEmpty)
        #expect(table.destinations(for: "a.a.a.a.a.a.b") == ["q"])
        table.unbind("r", key: "#.a.#.a", arguments: [:])
        table.unbind("q", key: "#.a.#.a.#.a.#.a.#.a.#.a.#.b", arguments: [:])
        #expect(table.count == 0)
        #expect(table.destinations(for: "a.a").isEmpty)
    }
}
