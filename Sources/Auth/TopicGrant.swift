/// A user's topic permissions on one exchange, validated and, when they use no variables, compiled.
///
/// Patterns with `{username}`, `{vhost}` or `{client_id}` can only be compiled per connection, once the
/// values are known; the store checks them at set time by compiling them with placeholder values, so
/// a bad pattern is reported to whoever sets it rather than silently denying later.
struct TopicGrant: Sendable {
    let permissions: TopicPermissions
    /// The compiled write and read patterns when they contain no variables.
    let write: PermissionPattern?
    let read: PermissionPattern?

    static let variables = ["{username}", "{vhost}", "{client_id}"]

    init(_ permissions: TopicPermissions) throws(AuthError) {
        self.permissions = permissions
        write = try Self.compileIfConstant(permissions.write, field: "topic write")
        read = try Self.compileIfConstant(permissions.read, field: "topic read")
    }

    /// The pattern for `access` with the variables expanded (values regex-escaped) and compiled.
    /// `{client_id}` stays literal text when the connection has no client id.
    func pattern(for access: TopicAccess, username: String, vhost: String, clientId: String?) -> PermissionPattern? {
        let (compiled, source, field) =
            switch access {
            case .write: (write, permissions.write, "topic write")
            case .read: (read, permissions.read, "topic read")
            }
        if let compiled { return compiled }
        let expanded = Self.expand(source, username: username, vhost: vhost, clientId: clientId)
        return try? PermissionPattern(expanded, field: field)
    }

    private static func compileIfConstant(_ source: String, field: String) throws(AuthError) -> PermissionPattern? {
        if variables.contains(where: { source.contains($0) }) {
            let sample = expand(source, username: "u", vhost: "v", clientId: "c")
            _ = try PermissionPattern(sample, field: field, reportedAs: source)
            return nil
        }
        return try PermissionPattern(source, field: field)
    }

    static func expand(_ source: String, username: String, vhost: String, clientId: String?) -> String {
        var s = source.replacing("{username}", with: PermissionPattern.escape(username))
        s = s.replacing("{vhost}", with: PermissionPattern.escape(vhost))
        if let clientId { s = s.replacing("{client_id}", with: PermissionPattern.escape(clientId)) }
        return s
    }
}
