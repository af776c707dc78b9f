/// A user's topic permissions on one exchange of a vhost (`topic_permissions[]`): regexes on the routing key.
public struct TopicPermissionDefinition: Sendable, Equatable {
    public var user: String
    public var vhost: String
    public var exchange: String
    /// `write`: routing keys the user may publish with.
    public var write: String
    /// `read`: binding keys (MQTT filters) the user may bind with.
    public var read: String

    public init(user: String, vhost: String, exchange: String, write: String, read: String) {
        self.user = user
        self.vhost = vhost
        self.exchange = exchange
        self.write = write
        self.read = read
    }
}
