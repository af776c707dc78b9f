/// The user tags the broker itself interprets (RabbitMQ's management tags).
///
/// `User.tags` is a list of strings so tags we do not interpret survive an export/import round trip.
public enum UserTag: String, Sendable, CaseIterable {
    /// Everything, including users, vhosts and permissions.
    case administrator
    /// Read-only view of every vhost, connection and queue.
    case monitoring
    /// The management API on the vhosts the user has permissions on.
    case management
    /// Policies and parameters on the user's vhosts.
    case policymaker
    /// May set `user_id` to another user's name.
    case impersonator
}
