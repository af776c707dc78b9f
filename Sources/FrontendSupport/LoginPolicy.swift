import AMQPModel
import Auth

/// Who may log in and open which vhost, the same for AMQP and MQTT: the authentication chain, the default user's
/// loopback rule, the vhost's existence and the user's access to it. The frontends turn a refusal into their
/// protocol's answer (AMQP 403 / 530, MQTT CONNACK 0x04 / 0x05) and log the returned sentence.
public struct LoginPolicy: Sendable {
    /// Why a client may not use a vhost.
    public enum VHostRefusal: Error, Sendable, CustomStringConvertible {
        /// No vhost has that name.
        case notFound(String)
        /// The user has no permission entry on it.
        case accessRefused(vhost: String, user: String)

        /// The sentence for the log (and AMQP's reply text).
        public var description: String {
            switch self {
            case .notFound(let name): "vhost '\(name)' not found"
            case .accessRefused(let vhost, let user): "access to vhost '\(vhost)' refused for user '\(user)'"
            }
        }
    }

    /// The authentication chain logins go through; its user store answers permission checks.
    public let authenticator: Authenticator
    /// The default user's name (`[main] default_user`).
    public let defaultUser: String
    /// The default user may log in from loopback peers only (`[main] default_user_only_loopback`).
    public let defaultUserOnlyLoopback: Bool

    /// A policy over `authenticator`.
    public init(authenticator: Authenticator, defaultUser: String, defaultUserOnlyLoopback: Bool) {
        self.authenticator = authenticator
        self.defaultUser = defaultUser
        self.defaultUserOnlyLoopback = defaultUserOnlyLoopback
    }

    /// The principal `username`/`password` log in as from a peer (`fromLoopback`), or why not.
    public func login(username: String, password: [UInt8], fromLoopback: Bool) throws(LoginError) -> Principal {
        let principal = try authenticator.authenticate(username: username, password: password)
        try admit(principal, fromLoopback: fromLoopback)
        return principal
    }

    /// Applies the loopback rule to a principal found another way (MQTT's anonymous login): the default user,
    /// logged in with a password (not a token), only from loopback.
    public func admit(_ principal: Principal, fromLoopback: Bool) throws(LoginError) {
        if principal.credential == nil && defaultUserOnlyLoopback && principal.user.name == defaultUser
            && !fromLoopback
        {
            throw LoginError(
                "login refused for user '\(principal.user.name)': the default user may only connect from loopback")
        }
    }

    /// The vhost `name` of `broker` with the authorizer `principal` uses on it, or why it may not use it.
    /// `clientId` (MQTT) expands `{client_id}` in topic permissions.
    public func open(
        vhost name: String, in broker: Broker, for principal: Principal, clientId: String? = nil
    ) throws(VHostRefusal) -> (VHost, Authorizer) {
        guard let vhost = broker.vhost(named: name) else { throw .notFound(name) }
        let authorizer = Authorizer(
            store: authenticator.users, principal: principal, vhost: name, clientId: clientId)
        guard authorizer.hasVhostAccess else { throw .accessRefused(vhost: name, user: principal.user.name) }
        return (vhost, authorizer)
    }
}
