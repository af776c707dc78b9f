/// One of the leader's client listeners, as its followers learn it: they forward their own listener of the same name
/// to this port on the leader's host.
public struct ClientPort: Sendable, Equatable {
    /// The listener's name (`amqp`, `amqps`, `mqtt`, `mqtts`, `ws`, `wss`, `http`, `https`).
    public var name: String
    public var port: Int

    public init(name: String, port: Int) {
        self.name = name
        self.port = port
    }
}
