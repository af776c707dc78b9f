/// What the management plane shows of one logged-in client connection, AMQP or MQTT. Recorded once when the
/// login completes, so it can be read from any thread without touching the connection.
public struct ClientConnectionInfo: Sendable {
    /// RabbitMQ's connection name, `peer:port -> local:port`; unique while the connection is open.
    public let name: String
    /// `AMQP 0-9-1`, `MQTT 3.1.1` or `MQTT 3.1`.
    public let protocolName: String
    /// The user it logged in as.
    public let user: String
    /// Its vhost.
    public let vhost: String
    public let peerHost: String
    public let peerPort: Int
    public let host: String
    public let port: Int
    /// The MQTT client id; nil for AMQP.
    public let clientId: String?
    /// True over TLS.
    public let tls: Bool
    /// The TLS protocol version and cipher suite (over TLS).
    public let tlsProtocol: String?
    public let tlsCipher: String?
    /// When the login completed, Unix milliseconds.
    public let connectedAt: Int64

    public init(
        name: String, protocolName: String, user: String, vhost: String, peerHost: String, peerPort: Int,
        host: String, port: Int, clientId: String?, tls: (protocolVersion: String, cipher: String)?, connectedAt: Int64
    ) {
        self.name = name
        self.protocolName = protocolName
        self.user = user
        self.vhost = vhost
        self.peerHost = peerHost
        self.peerPort = peerPort
        self.host = host
        self.port = port
        self.clientId = clientId
        self.tls = tls != nil
        tlsProtocol = tls?.protocolVersion
        tlsCipher = tls?.cipher
        self.connectedAt = connectedAt
    }
}
