import Testing

@testable import AMQPModel

@Suite("VHost.publish: routing through every exchange type and exchange-to-exchange bindings")
struct VHostPublishTests {
    @Test("the default exchange routes to the queue named by the routing key, and nowhere else")
    func defaultExchange() throws {
        let f = CoreFixture()
        let q = try f.queue("orders")
        #expect(f.publish("one", key: "orders").enqueued == 1)
        #expect(f.publish("lost", key: "Orders").enqueued == 0)
        #expect(f.bodies(of: q) == ["one"])
    }

    @Test("publishing to a missing exchange reports it and enqueues nothing")
    func missingExchange() throws {
        let f = CoreFixture()
        try f.queue("q")
        let r = f.publish("m", to: "nope", key: "q")
        #expect(r.exchangeMissing)
        #expect(r.enqueued == 0)
    }

    @Test("direct: exact key; fanout: every bound queue regardless of key")
    func directAndFanout() throws {
        let f = CoreFixture()
        let a = try f.queue("a")
        let b = try f.queue("b")
        try f.vhost.bind(.queue(a), to: "amq.direct", key: "red", arguments: [:])
        try f.vhost.bind(.queue(b), to: "amq.direct", key: "blue", arguments: [:])
        try f.vhost.bind(.queue(a), to: "amq.fanout", key: "ignored", arguments: [:])
        try f.vhost.bind(.queue(b), to: "amq.fanout", key: "", arguments: [:])
        #expect(f.publish("r", to: "amq.direct", key: "red").enqueued == 1)
        #expect(f.publish("x", to: "amq.direct", key: "green").enqueued == 0)
        #expect(f.publish("all", to: "amq.fanout", key: "whatever").enqueued == 2)
        #expect(f.bodies(of: a) == ["r", "all"])
        #expect(f.bodies(of: b) == ["all"])
    }

    @Test("topic: * is one word, # is zero or more; one copy per queue when several bindings match")
    func topic() throws {
        let f = CoreFixture()
        let a = try f.queue("a")
        let b = try f.queue("b")
        try f.vhost.bind(.queue(a), to: "amq.topic", key: "stock.*.nyse", arguments: [:])
        try f.vhost.bind(.queue(a), to: "amq.topic", key: "stock.#", arguments: [:])
        try f.vhost.bind(.queue(b), to: "amq.topic", key: "#.nyse", arguments: [:])
        #expect(f.publish("1", to: "amq.topic", key: "stock.ibm.nyse").enqueued == 2)
        #expect(f.publish("2", to: "amq.topic", key: "stock").enqueued == 1)
        #expect(f.publish("3", to: "amq.topic", key: "bond.nyse").enqueued == 1)
        #expect(f.publish("4", to: "amq.topic", key: "bond.lse").enqueued == 0)
        #expect(f.bodies(of: a) == ["1", "2"])
        #expect(f.bodies(of: b) == ["1", "3"])
    }

    @Test("headers: x-match all and any against the message headers")
    func headers() throws {
        let f = CoreFixture()
        let all = try f.queue("all")
        let any = try f.queue("any")
        try f.vhost.bind(
            .queue(all), to: "amq.headers", key: "",
            arguments: ["x-match": .string("all"), "format": .string("pdf"), "type": .string("report")])
        try f.vhost.bind(
            .queue(any), to: "amq.match", key: "",
            arguments: ["x-match": .string("any"), "format": .string("pdf"), "type": .string("report")])
        let both = properties(headers: ["format": .string("pdf"), "type": .string("report")])
        let one = properties(headers: ["format": .string("pdf"), "type": .string("log")])
        #expect(f.publish("both", to: "amq.headers", key: "", properties: both).enqueued == 1)
        #expect(f.publish("one", to: "amq.headers", key: "", properties: one).enqueued == 0)
        #expect(f.publish("both", to: "amq.match", key: "", properties: both).enqueued == 1)
        #expect(f.publish("one", to: "amq.match", key: "", properties: one).enqueued == 1)
        #expect(f.publish("none", to: "amq.match", key: "").enqueued == 0)
        #expect(f.bodies(of: all) == ["both"])
        #expect(f.bodies(of: any) == ["both", "one"])
    }

    @Test("exchange-to-exchange: a message reaches queues bound to the destination exchange")
    func exchangeToExchange() throws {
        let f = CoreFixture()
        let upstream = try f.exchange("upstream", "topic")
        let downstream = try f.exchange("downstream", "fanout")
        let q = try f.queue("q")
        let direct = try f.queue("direct")
        try f.vhost.bind(.exchange(downstream), to: upstream.name, key: "logs.#", arguments: [:])
        try f.vhost.bind(.queue(q), to: downstream.name, key: "", arguments: [:])
        try f.vhost.bind(.queue(direct), to: upstream.name, key: "logs.error", arguments: [:])
        #expect(f.publish("e", to: "upstream", key: "logs.error").enqueued == 2)
        #expect(f.publish("i", to: "upstream", key: "logs.info").enqueued == 1)
        #expect(f.publish("m", to: "upstream", key: "metrics").enqueued == 0)
        #expect(f.bodies(of: q) == ["e", "i"])
        #expect(f.bodies(of: direct) == ["e"])
    }

    @Test("a cycle e1 -> e2 -> e1 terminates and each queue gets one copy")
    func cycle() throws {
        let f = CoreFixture()
        let e1 = try f.exchange("e1", "fanout")
        let e2 = try f.exchange("e2", "fanout")
        let q1 = try f.queue("q1")
        let q2 = try f.queue("q2")
        try f.vhost.bind(.exchange(e2), to: "e1", key: "", arguments: [:])
        try f.vhost.bind(.exchange(e1), to: "e2", key: "", arguments: [:])
        try f.vhost.bind(.queue(q1), to: "e1", key: "", arguments: [:])
        try f.vhost.bind(.queue(q2), to: "e2", key: "", arguments: [:])
        #expect(f.publish("from1", to: "e1", key: "").enqueued == 2)
        #expect(f.publish("from2", to: "e2", key: "").enqueued == 2)
        #expect(f.bodies(of: q1) == ["from1", "from2"])
        #expect(f.bodies(of: q2) == ["from1", "from2"])
    }

    @Test("a queue reached through two paths gets one copy")
    func diamond() throws {
        let f = CoreFixture()
        let left = try f.exchange("left", "fanout")
        let right = try f.exchange("right", "fanout")
        let q = try f.queue("q")
        try f.vhost.bind(.exchange(left), to: "amq.fanout", key: "", arguments: [:])
        try f.vhost.bind(.exchange(right), to: "amq.fanout", key: "", arguments: [:])
        try f.vhost.bind(.queue(q), to: "left", key: "", arguments: [:])
        try f.vhost.bind(.queue(q), to: "right", key: "", arguments: [:])
        #expect(f.publish("once", to: "amq.fanout", key: "").enqueued == 1)
        #expect(q.messageCount == 1)
    }

    @Test("the message is stored once: every queue holds the same Message instance")
    func sharedByReference() throws {
        let f = CoreFixture()
        let a = try f.queue("a")
        let b = try f.queue("b")
        try f.vhost.bind(.queue(a), to: "amq.fanout", key: "", arguments: [:])
        try f.vhost.bind(.queue(b), to: "amq.fanout", key: "", arguments: [:])
        let m = message("shared", exchange: "amq.fanout")
        #expect(f.vhost.publish(m, to: "amq.fanout", mandatory: false).enqueued == 2)
        let inA = try #require(a.peek(limit: 1).first)
        let inB = try #require(b.peek(limit: 1).first)
        #expect(inA.message === m)
        #expect(inB.message === m)
    }

    @Test("the caller-owned RouteTargets scratch space is reused across publishes without leaking targets")
    func scratchReuse() throws {
        let f = CoreFixture()
        let a = try f.queue("a")
        let b = try f.queue("b")
        try f.vhost.bind(.queue(a), to: "amq.direct", key: "a", arguments: [:])
        try f.vhost.bind(.queue(b), to: "amq.direct", key: "b", arguments: [:])
        let direct = try #require(f.vhost.exchange(named: "amq.direct"))
        var targets = RouteTargets<Destination>()
        #expect(f.vhost.publish(message("1", key: "a"), through: direct, targets: &targets).enqueued == 1)
        #expect(f.vhost.publish(message("2", key: "b"), through: direct, targets: &targets).enqueued == 1)
        #expect(f.bodies(of: a) == ["1"])
        #expect(f.bodies(of: b) == ["2"])
    }

    @Test("a repeated routing key reuses its route only while the exchange's bindings are unchanged")
    func routeReuseFollowsBindingChanges() throws {
        let f = CoreFixture()
        let a = try f.queue("a")
        let b = try f.queue("b")
        try f.vhost.bind(.queue(a), to: "amq.topic", key: "t.*", arguments: [:])
        let topic = try #require(f.vhost.exchange(named: "amq.topic"))
        var targets = RouteTargets<Destination>()
        #expect(f.vhost.publish(message("1", key: "t.x"), through: topic, targets: &targets).enqueued == 1)
        try f.vhost.bind(.queue(b), to: "amq.topic", key: "#", arguments: [:])
        #expect(f.vhost.publish(message("2", key: "t.x"), through: topic, targets: &targets).enqueued == 2)
        try f.vhost.unbind(.queue(a), from: "amq.topic", key: "t.*", arguments: [:])
        #expect(f.vhost.publish(message("3", key: "t.x"), through: topic, targets: &targets).enqueued == 1)
        _ = try f.vhost.deleteQueue(name: "b", ifUnused: false, ifEmpty: false, connection: 0)
        #expect(f.vhost.publish(message("4", key: "t.x"), through: topic, targets: &targets).enqueued == 0)
        #expect(f.bodies(of: a) == ["1", "2"])
    }

    @Test("routes that depend on more than the key are matched for every message: headers, exchange to exchange")
    func headersRoutesAreNotReused() throws {
        let f = CoreFixture()
        let a = try f.queue("a")
        try f.vhost.bind(.queue(a), to: "amq.headers", key: "", arguments: ["x-match": .string("all"), "k": .string("v")])
        let headers = try #require(f.vhost.exchange(named: "amq.headers"))
        var targets = RouteTargets<Destination>()
        let matching = message("1", exchange: "amq.headers", properties: properties(headers: ["k": .string("v")]))
        #expect(f.vhost.publish(matching, through: headers, targets: &targets).enqueued == 1)
        let other = message("2", exchange: "amq.headers")
        #expect(f.vhost.publish(other, through: headers, targets: &targets).enqueued == 0)
        let up = try f.vhost.declareExchange(
            name: "up", type: "fanout", durable: false, autoDelete: false, isInternal: false, arguments: [:])
        try f.vhost.bind(.exchange(headers), to: "up", key: "", arguments: [:])
        #expect(f.vhost.publish(matching, through: up, targets: &targets).enqueued == 1)
        #expect(f.vhost.publish(other, through: up, targets: &targets).enqueued == 0)
        #expect(f.bodies(of: a) == ["1", "1"])
    }
}
