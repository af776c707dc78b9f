/// Where a binding leads: a queue, or another exchange (exchange-to-exchange binding).
public enum Destination: Hashable, Sendable {
    case queue(Queue)
    case exchange(Exchange)
}
