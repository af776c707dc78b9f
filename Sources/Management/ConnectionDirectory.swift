/// What the management API learns about client connections from the frontends (the executable wires it).
public protocol ConnectionDirectory: Sendable {
    /// Open AMQP and MQTT client connections.
    var connectionCount: Int { get }
}
