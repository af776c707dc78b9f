/// An exchange's message counters since it was declared (RabbitMQ's `publish_in` and `publish_out`). Frontends
/// count on their own loop and add what they counted now and then (`Exchange.count`), so publishing costs no lock
/// or atomic of its own.
public struct ExchangeStats: Sendable, Equatable {
    /// Messages published to the exchange.
    public var publishIn = 0
    /// Of those, messages it routed to at least one queue.
    public var publishOut = 0

    public init(publishIn: Int = 0, publishOut: Int = 0) {
        self.publishIn = publishIn
        self.publishOut = publishOut
    }

    /// True when nothing was counted.
    public var isZero: Bool { publishIn == 0 && publishOut == 0 }

    /// The counters of `a` and `b` added together.
    public static func + (a: ExchangeStats, b: ExchangeStats) -> ExchangeStats {
        ExchangeStats(publishIn: a.publishIn + b.publishIn, publishOut: a.publishOut + b.publishOut)
    }
}
