import FrontendSupport

/// What the management API learns about client connections from the frontends (the executable wires it).
public protocol ConnectionDirectory: Sendable {
    /// Open AMQP and MQTT client connections.
    var connectionCount: Int { get }
    /// The logged-in ones, as the API shows them.
    var connections: [ClientConnectionInfo] { get }
    /// The open AMQP channels of the logged-in connections.
    var channels: [(connection: ClientConnectionInfo, number: UInt16)] { get }
    /// The counters of the logged-in connections and open channels, read on their loops; reading them also adds
    /// the publish counts the loops gathered to their exchanges, so read this before showing exchange statistics.
    func statistics() -> ClientStatistics
    /// Closes the connection called `name`, telling the client `reason` where the protocol can; false when there is
    /// none.
    func close(name: String, reason: String) -> Bool
    /// Ends the MQTT session of `clientId` in `vhost` (connection, session queue, saved state); false when none.
    func endMQTTSession(vhost: String, clientId: String) -> Bool
}
