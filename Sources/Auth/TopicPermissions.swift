/// A user's topic permissions on one exchange of one vhost: regular expressions over routing keys
/// (MQTT topics), with `{username}`, `{vhost}` and `{client_id}` expanded per connection.
public struct TopicPermissions: Sendable, Equatable {
    /// The exchange name the rule applies to.
    public var exchange: String
    /// Must match the routing key of a publish.
    public var write: String
    /// Must match the binding key of a bind (an MQTT subscription filter).
    public var read: String

    public init(exchange: String, write: String, read: String) {
        self.exchange = exchange
        self.write = write
        self.read = read
    }
}
