import AMQPModel
import Clocks
import FrontendSupport
import JSON
import Locks

/// Rates for the API: the counters of each object (a queue, exchange, connection, channel, or one user's node
/// totals) are sampled at most every `interval`; a rate is the change over the last two samples, per second, as
/// RabbitMQ's `<counter>_details.rate`.
final class StatsSampler: Sendable {
    static let interval: Int64 = 5000

    /// What is sampled: an object's kind and its identity within the kind.
    struct Key: Hashable {
        enum Kind { case queue, exchange, connection, channel, totals }
        let kind: Kind
        let id: String
    }

    private struct Sample {
        var at: Int64
        var values: [String: Int]
        var rates: [String: Double] = [:]
    }

    private let samples = Lock<[Key: Sample]>([:])

    /// The counters `fields` of object `key`, each with its `<name>_details` rate.
    func table(_ fields: [(String, Int)], for key: Key) -> [String: JSONValue] {
        let now = MonotonicClock.milliseconds()
        let rates = samples.withLock { all in Self.update(&all[key], fields, now) }
        var t: [String: JSONValue] = [:]
        for (name, value) in fields {
            t[name] = .int(Int64(value))
            t[name + "_details"] = .table(["rate": .double(rates[name] ?? 0)])
        }
        return t
    }

    /// RabbitMQ's `message_stats` for the counters of one queue.
    func messageStats(_ stats: QueueStats, for queue: ObjectIdentifier) -> JSONValue {
        .table(table(Self.fields(stats), for: Key(kind: .queue, id: Self.id(queue))))
    }

    /// RabbitMQ's `message_stats` for the queue totals `user` sees.
    func messageStats(_ stats: QueueStats, totalFor user: String) -> JSONValue {
        .table(table(Self.fields(stats), for: Key(kind: .totals, id: user)))
    }

    /// RabbitMQ's `message_stats` of an exchange.
    func messageStats(_ stats: ExchangeStats, for exchange: ObjectIdentifier) -> JSONValue {
        .table(
            table(
                [("publish_in", stats.publishIn), ("publish_out", stats.publishOut)],
                for: Key(kind: .exchange, id: Self.id(exchange))))
    }

    /// RabbitMQ's `message_stats` of a channel.
    func messageStats(_ s: ChannelStats, channel: String) -> JSONValue {
        .table(
            table(
                [
                    ("publish", s.publish), ("confirm", s.confirm), ("return_unroutable", s.returnUnroutable),
                    ("deliver", s.deliver), ("get", s.get), ("deliver_get", s.deliver + s.get),
                    ("redeliver", s.redeliver), ("ack", s.ack),
                ], for: Key(kind: .channel, id: channel)))
    }

    /// A connection's `recv_oct` and `send_oct` with their rates.
    func traffic(_ t: ClientStatistics.Traffic, connection: String) -> [String: JSONValue] {
        table(
            [("recv_oct", Int(clamping: t.received)), ("send_oct", Int(clamping: t.sent))],
            for: Key(kind: .connection, id: connection))
    }

    /// Forgets the samples of the objects of `kind` that are gone (called with the live ones now and then).
    func retain(_ kind: Key.Kind, only live: Set<String>) {
        samples.withLock { all in
            guard all.count > live.count * 2 + 64 else { return }
            all = all.filter { $0.key.kind != kind || live.contains($0.key.id) }
        }
    }

    /// The sample id of an object known by identity.
    static func id(_ object: ObjectIdentifier) -> String { String(UInt(bitPattern: object), radix: 16) }

    private static func fields(_ s: QueueStats) -> [(String, Int)] {
        [
            ("publish", s.published), ("deliver_get", s.delivered), ("redeliver", s.redelivered),
            ("ack", s.acknowledged), ("drop", s.dropped),
        ]
    }

    private static func update(_ sample: inout Sample?, _ fields: [(String, Int)], _ now: Int64) -> [String: Double] {
        guard var s = sample else {
            sample = Sample(at: now, values: Dictionary(fields, uniquingKeysWith: { a, _ in a }))
            return [:]
        }
        let elapsed = now - s.at
        guard elapsed >= interval else { return s.rates }
        var rates: [String: Double] = [:]
        for (name, value) in fields {
            rates[name] = Double(value - (s.values[name] ?? 0)) * 1000 / Double(elapsed)
        }
        s = Sample(at: now, values: Dictionary(fields, uniquingKeysWith: { a, _ in a }), rates: rates)
        sample = s
        return rates
    }
}
