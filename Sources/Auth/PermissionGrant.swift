/// A user's vhost permissions with their regexes compiled, as the store keeps them.
struct PermissionGrant: Sendable {
    let permissions: Permissions
    let configure: PermissionPattern
    let write: PermissionPattern
    let read: PermissionPattern

    /// Compiles all three regexes; the error names the first that does not compile.
    init(_ permissions: Permissions) throws(AuthError) {
        self.permissions = permissions
        configure = try PermissionPattern(permissions.configure, field: "configure")
        write = try PermissionPattern(permissions.write, field: "write")
        read = try PermissionPattern(permissions.read, field: "read")
    }

    func pattern(for kind: PermissionKind) -> PermissionPattern {
        switch kind {
        case .configure: configure
        case .write: write
        case .read: read
        }
    }
}
