/// Which of a user's three vhost permissions an operation needs (design §5, RabbitMQ access control).
public enum PermissionKind: Sendable, Hashable {
    case configure, write, read
}
