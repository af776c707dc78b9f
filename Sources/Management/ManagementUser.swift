import Auth

/// Who a management request runs as, and what RabbitMQ's tags let them do: `administrator` everything;
/// `monitoring` reads everything; `policymaker` and `management` the objects of the vhosts they have permissions on.
struct ManagementUser {
    let principal: Principal
    let users: UserStore

    var name: String { principal.user.name }
    var tags: [String] { principal.user.tags }
    var isAdministrator: Bool { principal.user.hasTag(.administrator) }
    var isMonitoring: Bool { isAdministrator || principal.user.hasTag(.monitoring) }
    var isPolicymaker: Bool { isAdministrator || principal.user.hasTag(.policymaker) }
    /// Any management tag at all: without one the API refuses the login (401).
    var mayUseManagement: Bool {
        isMonitoring || isPolicymaker || principal.user.hasTag(.management)
    }

    /// True when the user has a permissions entry on `vhost` (a token: a scope for it).
    func hasPermissions(on vhost: String) -> Bool {
        if let credential = principal.credential { return credential.grants.permissions(vhost: vhost) != nil }
        return users.permissions(user: name, vhost: vhost) != nil
    }

    /// Reading `vhost`'s objects: monitoring and administrators see every vhost, others their own.
    func maySee(vhost: String) -> Bool {
        isMonitoring || hasPermissions(on: vhost)
    }

    /// Changing `vhost`'s objects: administrators anywhere, others where they have permissions.
    func requireWrite(vhost: String) throws(ManagementError) {
        guard isAdministrator || hasPermissions(on: vhost) else {
            throw .forbidden("user '\(name)' has no permissions on vhost '\(vhost)'")
        }
    }

    /// Reading `vhost`'s objects, or 403.
    func requireRead(vhost: String) throws(ManagementError) {
        guard maySee(vhost: vhost) else {
            throw .forbidden("user '\(name)' has no permissions on vhost '\(vhost)'")
        }
    }

    /// Users, vhosts, permissions and definitions are the administrator's.
    func requireAdministrator() throws(ManagementError) {
        guard isAdministrator else { throw .forbidden("user '\(name)' is not an administrator") }
    }

    /// Reading everything (nodes, all users' connections) needs monitoring.
    func requireMonitoring() throws(ManagementError) {
        guard isMonitoring else { throw .forbidden("user '\(name)' is not a monitoring user") }
    }
}
