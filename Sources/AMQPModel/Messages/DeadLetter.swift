import AMQPValues
import Clocks

/// Builds the message a queue republishes to its dead-letter exchange, with RabbitMQ's `x-death` history.
enum DeadLetter {
    /// A copy of `original` routed to `exchange`, with `x-death` updated for (`queue`, `reason`) and the
    /// per-message expiration removed (RabbitMQ does the same so the copy does not expire again at once).
    static func message(
        from original: Message, queue: ByteString, reason: String, exchange: ByteString, routingKey: ByteString?
    ) -> Message {
        var props = original.properties
        var headers = props.headers ?? FieldTable()
        var deaths: [FieldValue] = []
        if case .array(let existing)? = headers["x-death"] { deaths = existing }
        let key = routingKey ?? original.routingKey
        let now = MonotonicClock.unixSeconds()
        if let i = deaths.firstIndex(where: { Self.isDeath($0, queue: queue, reason: reason) }),
            case .table(var t) = deaths[i]
        {
            t["count"] = .int64((t["count"]?.intValue ?? 1) + 1)
            t["time"] = .timestamp(now)
            deaths.remove(at: i)
            deaths.insert(.table(t), at: 0)
        } else {
            var t: FieldTable = [
                "count": .int64(1),
                "reason": .longString(Array(reason.utf8)),
                "queue": .longString(queue.bytes),
                "time": .timestamp(now),
                "exchange": .longString(original.exchange.bytes),
                "routing-keys": .array([.longString(original.routingKey.bytes)]),
            ]
            if let e = original.properties.expiration { t["original-expiration"] = .longString(e.bytes) }
            deaths.insert(.table(t), at: 0)
        }
        headers["x-death"] = .array(deaths)
        if headers["x-first-death-queue"] == nil {
            headers["x-first-death-queue"] = .longString(queue.bytes)
            headers["x-first-death-reason"] = .longString(Array(reason.utf8))
            headers["x-first-death-exchange"] = .longString(original.exchange.bytes)
        }
        props.headers = headers
        props.expiration = nil
        return Message(exchange: exchange, routingKey: key, properties: props, body: original.body,
            alarm: original.alarm)
    }

    private static func isDeath(_ v: FieldValue, queue: ByteString, reason: String) -> Bool {
        guard case .table(let t) = v else { return false }
        return t["queue"] == .longString(queue.bytes) && t["reason"] == .longString(Array(reason.utf8))
    }
}
