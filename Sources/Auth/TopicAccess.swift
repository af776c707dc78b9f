/// Which topic permission regex applies: `write` to a publish's routing key, `read` to a binding key.
public enum TopicAccess: Sendable, Hashable {
    case write, read
}
