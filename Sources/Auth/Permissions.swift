/// A user's permissions on one vhost: three regular expressions over resource names (RabbitMQ semantics:
/// unanchored, so a match anywhere in the name grants access; the empty string denies everything).
public struct Permissions: Sendable, Equatable {
    /// Declare and delete queues and exchanges, bind as destination.
    public var configure: String
    /// Publish to exchanges, bind queues (as destination) and exchanges (as source).
    public var write: String
    /// Consume from and get from queues, bind with the exchange as source.
    public var read: String

    public init(configure: String, write: String, read: String) {
        self.configure = configure
        self.write = write
        self.read = read
    }

    /// `.*` for all three: everything in the vhost.
    public static let all = Permissions(configure: ".*", write: ".*", read: ".*")
}
