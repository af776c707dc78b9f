import AMQPModel
import Clocks
import JSON
import Locks

/// Message rates for the API: counters are sampled at most every `interval` per object (a queue, or the node's
/// totals); the rate is the change over the last two samples, per second, as RabbitMQ's `*_details.rate`.
final class StatsSampler: Sendable {
    static let interval: Int64 = 5000

    private struct Sample {
        var at: Int64
        var stats: QueueStats
        var rates: [String: Double] = [:]
    }

    private let samples = Lock<[ObjectIdentifier: Sample]>([:])
    /// Totals over what one user sees, by user name.
    private let totals = Lock<[String: Sample]>([:])

    /// RabbitMQ's `message_stats` for the counters of one queue, with rates from its samples.
    func messageStats(_ stats: QueueStats, for queue: ObjectIdentifier) -> JSONValue {
        let now = MonotonicClock.milliseconds()
        return Self.json(stats, samples.withLock { all in Self.update(&all[queue], stats, now) })
    }

    /// RabbitMQ's `message_stats` for the totals `user` sees, with rates from that user's samples.
    func messageStats(_ stats: QueueStats, totalFor user: String) -> JSONValue {
        let now = MonotonicClock.milliseconds()
        return Self.json(stats, totals.withLock { all in Self.update(&all[user], stats, now) })
    }

    private static func json(_ stats: QueueStats, _ rates: [String: Double]) -> JSONValue {
        var t: [String: JSONValue] = [:]
        for (name, value) in fields(stats) {
            t[name] = .int(Int64(value))
            t[name + "_details"] = .table(["rate": .double(rates[name] ?? 0)])
        }
        return .table(t)
    }

    /// Forgets the samples of objects that are gone (called with the live ones now and then).
    func retain(only live: Set<ObjectIdentifier>) {
        samples.withLock { all in
            guard all.count > live.count * 2 + 64 else { return }
            all = all.filter { live.contains($0.key) }
        }
    }

    private static func fields(_ s: QueueStats) -> [(String, Int)] {
        [
            ("publish", s.published), ("deliver_get", s.delivered), ("redeliver", s.redelivered),
            ("ack", s.acknowledged), ("drop", s.dropped),
        ]
    }

    private static func update(_ sample: inout Sample?, _ stats: QueueStats, _ now: Int64) -> [String: Double] {
        guard var s = sample else {
            sample = Sample(at: now, stats: stats)
            return [:]
        }
        let elapsed = now - s.at
        guard elapsed >= interval else { return s.rates }
        let old = Dictionary(uniqueKeysWithValues: fields(s.stats))
        var rates: [String: Double] = [:]
        for (name, value) in fields(stats) {
            rates[name] = Double(value - (old[name] ?? 0)) * 1000 / Double(elapsed)
        }
        s = Sample(at: now, stats: stats, rates: rates)
        sample = s
        return rates
    }
}
