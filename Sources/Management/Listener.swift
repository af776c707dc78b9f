/// One listener the node has, for `/api/overview` and `/api/health/checks/port-listener`.
public struct Listener: Sendable {
    /// `amqp`, `amqp/ssl`, `mqtt`, `mqtt/ssl`, `http`, `https`.
    public var protocolName: String
    public var address: String
    public var port: Int

    public init(protocolName: String, address: String, port: Int) {
        self.protocolName = protocolName
        self.address = address
        self.port = port
    }
}
