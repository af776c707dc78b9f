import AMQPValues

/// The match criteria of one `headers` exchange binding, parsed once at bind time.
///
/// Semantics follow RabbitMQ 3.10 (`rabbit_exchange_type_headers`):
/// - `x-match` is `all` (the default, also for unknown values), `any`, `all-with-x` or `any-with-x`.
/// - Arguments named `x-…` are not criteria, except under the `*-with-x` modes (`x-match` itself never is).
/// - A criterion of type void matches when the header is present, whatever its value.
/// - Otherwise the header must have the same type class and an equal value: all integer types are one
///   class and compare by value, `float` and `double` are one class, every other type is its own class.
/// - `all` with no criteria matches every message; `any` with no criteria matches none.
struct HeadersCriteria: Sendable {
    private let matchAll: Bool
    private let criteria: [(key: ByteString, value: FieldValue)]

    init(arguments: FieldTable) {
        var matchAll = true
        var withX = false
        if case .longString(let mode)? = arguments["x-match"] {
            switch ByteString(mode) {
            case "any": matchAll = false
            case "all-with-x": withX = true
            case "any-with-x": matchAll = false; withX = true
            default: break
            }
        }
        self.matchAll = matchAll
        let xPrefix: ByteString = "x-"
        criteria = arguments.entries.filter { e in
            e.key != "x-match" && (withX || !e.key.hasPrefix(xPrefix))
        }
    }

    /// True when a message with `headers` matches.
    func matches(_ headers: FieldTable?) -> Bool {
        for c in criteria {
            var ok = false
            if let value = headers?.entries.first(where: { $0.key == c.key })?.value {
                ok = c.value == .void || Self.equal(pattern: c.value, data: value)
            }
            if ok != matchAll { return ok }
        }
        return matchAll
    }

    private static func equal(pattern: FieldValue, data: FieldValue) -> Bool {
        if let p = integer(pattern), let d = integer(data) { return p == d }
        if let p = floating(pattern), let d = floating(data) { return p == d }
        return pattern == data
    }

    /// The value of the integer types RabbitMQ puts in its `int` type class (not timestamps, and decimals
    /// only ever equal decimals, which `==` handles).
    private static func integer(_ v: FieldValue) -> Int64? {
        switch v {
        case .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64: v.intValue
        default: nil
        }
    }

    private static func floating(_ v: FieldValue) -> Double? {
        switch v {
        case .float(let f): Double(f)
        case .double(let d): d
        default: nil
        }
    }
}
