import AMQPValues
import Testing

@testable import AMQPModel

/// The `headers` exchange with RabbitMQ 3.10 semantics (`rabbit_exchange_type_headers`).
@Suite("Headers routing")
struct HeadersRoutingTests {
    static func matches(_ arguments: FieldTable, _ headers: FieldTable?) -> Bool {
        var table = RoutingTable<String>(type: .headers)
        table.bind("q", key: "ignored", arguments: arguments)
        return table.destinations(for: "any key", headers: headers) == ["q"]
    }

    @Test("x-match all (the default) needs every criterion")
    func all() {
        let args: FieldTable = ["format": .string("pdf"), "type": .string("report")]
        #expect(Self.matches(args, ["format": .string("pdf"), "type": .string("report"), "extra": .int8(1)]))
        #expect(!Self.matches(args, ["format": .string("pdf")]))
        #expect(!Self.matches(args, ["format": .string("pdf"), "type": .string("log")]))
        #expect(!Self.matches(args, nil))
        var explicit = args
        explicit["x-match"] = .string("all")
        #expect(Self.matches(explicit, ["type": .string("report"), "format": .string("pdf")]))
        #expect(!Self.matches(explicit, ["type": .string("report")]))
    }

    @Test("x-match any needs one criterion")
    func any() {
        let args: FieldTable = ["x-match": .string("any"), "format": .string("pdf"), "type": .string("report")]
        #expect(Self.matches(args, ["format": .string("pdf")]))
        #expect(Self.matches(args, ["type": .string("report"), "format": .string("zip")]))
        #expect(!Self.matches(args, ["format": .string("zip")]))
        #expect(!Self.matches(args, nil))
    }

    @Test("no criteria: all matches every message, any matches none")
    func empty() {
        #expect(Self.matches([:], nil))
        #expect(Self.matches(["x-match": .string("all")], ["a": .int8(1)]))
        #expect(!Self.matches(["x-match": .string("any")], ["a": .int8(1)]))
    }

    @Test("x- arguments are not criteria under all and any")
    func xArgumentsIgnored() {
        #expect(Self.matches(["x-match": .string("all"), "x-custom": .string("v"), "a": .int8(1)], ["a": .int8(1)]))
        #expect(!Self.matches(["x-match": .string("any"), "x-custom": .string("v")], ["x-custom": .string("v")]))
    }

    @Test("all-with-x and any-with-x make x- arguments criteria")
    func withX() {
        let allX: FieldTable = ["x-match": .string("all-with-x"), "x-custom": .string("v"), "a": .int8(1)]
        #expect(Self.matches(allX, ["a": .int8(1), "x-custom": .string("v")]))
        #expect(!Self.matches(allX, ["a": .int8(1)]))
        let anyX: FieldTable = ["x-match": .string("any-with-x"), "x-custom": .string("v"), "a": .int8(1)]
        #expect(Self.matches(anyX, ["x-custom": .string("v")]))
        #expect(!Self.matches(anyX, ["x-custom": .string("w")]))
        // x-match itself is never a criterion.
        #expect(Self.matches(["x-match": .string("all-with-x")], nil))
    }

    @Test("a void criterion matches presence of the header with any value")
    func voidPresence() {
        let args: FieldTable = ["flag": .void]
        #expect(Self.matches(args, ["flag": .string("anything")]))
        #expect(Self.matches(args, ["flag": .void]))
        #expect(!Self.matches(args, ["other": .void]))
        // A void header does not match a valued criterion.
        #expect(!Self.matches(["flag": .string("x")], ["flag": .void]))
    }

    @Test("values compare within RabbitMQ type classes: integers by value, floats by value, others by type")
    func typeClasses() {
        #expect(Self.matches(["n": .int8(5)], ["n": .int64(5)]))
        #expect(Self.matches(["n": .uint32(7)], ["n": .int16(7)]))
        #expect(!Self.matches(["n": .int32(5)], ["n": .int32(6)]))
        #expect(Self.matches(["f": .float(1.5)], ["f": .double(1.5)]))
        #expect(!Self.matches(["n": .int32(1)], ["n": .double(1)]))
        #expect(!Self.matches(["n": .int32(1)], ["n": .string("1")]))
        #expect(!Self.matches(["s": .string("a")], ["s": .bytes(Array("a".utf8))]))
        #expect(!Self.matches(["b": .bool(true)], ["b": .int8(1)]))
        #expect(!Self.matches(["t": .timestamp(5)], ["t": .int64(5)]))
        #expect(!Self.matches(["d": .decimal(scale: 0, value: 5)], ["d": .int32(5)]))
        #expect(Self.matches(["d": .decimal(scale: 2, value: 5)], ["d": .decimal(scale: 2, value: 5)]))
        #expect(Self.matches(["arr": .array([.int8(1)])], ["arr": .array([.int8(1)])]))
    }

    @Test("several bindings are evaluated independently; unbind removes one")
    func severalBindings() {
        var table = RoutingTable<String>(type: .headers)
        table.bind("pdf", key: "", arguments: ["format": .string("pdf")])
        table.bind("any", key: "", arguments: ["x-match": .string("any"), "format": .string("pdf"), "type": .string("log")])
        #expect(table.destinations(for: "", headers: ["type": .string("log")]) == ["any"])
        #expect(table.destinations(for: "", headers: ["format": .string("pdf")]) == ["pdf", "any"])
        table.unbind("pdf", key: "", arguments: ["format": .string("pdf")])
        #expect(table.destinations(for: "", headers: ["format": .string("pdf")]) == ["any"])
    }
}
