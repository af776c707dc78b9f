/// Where a binding leads: a queue, or another exchange (exchange-to-exchange binding).
public enum Destination: Hashable, Sendable {
    case queue(Queue)
    case exchange(Exchange)
}

extension Destination {
    /// True when the destination survives a restart (so a binding to it is part of the durable definitions).
    public var isDurable: Bool {
        switch self {
        case .queue(let q): q.durable && q.exclusiveOwner == nil
        case .exchange(let e): e.durable
        }
    }

    /// True for a queue, false for an exchange.
    public var isQueue: Bool {
        if case .queue = self { return true }
        return false
    }
}
