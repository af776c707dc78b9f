/// A user's permissions on a vhost (`permissions[]`): three unanchored regexes with RabbitMQ semantics (design §3).
public struct PermissionDefinition: Sendable, Equatable {
    public var user: String
    public var vhost: String
    /// `configure`: names the user may declare and delete.
    public var configure: String
    /// `write`: names the user may publish to or bind to.
    public var write: String
    /// `read`: names the user may consume from or bind from.
    public var read: String

    public init(user: String, vhost: String, configure: String, write: String, read: String) {
        self.user = user
        self.vhost = vhost
        self.configure = configure
        self.write = write
        self.read = read
    }
}
