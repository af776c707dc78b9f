/// Runs delayed work for the core (message TTL, queue expiry) without the core knowing about event loops.
///
/// The broker's wiring supplies an implementation backed by an event loop timer.
public protocol BrokerScheduler: Sendable {
    /// Runs `body` once, about `milliseconds` from now, on some thread.
    func schedule(afterMilliseconds milliseconds: Int64, _ body: @escaping @Sendable () -> Void)
}
