import AMQPModel
import Auth
import Testing

@testable import FrontendSupport

/// Delayed core work is never due in these tests.
private struct NoScheduler: BrokerScheduler {
    func schedule(afterMilliseconds milliseconds: Int64, _ body: @escaping @Sendable () -> Void) {}
}

@Suite("Login policy: the rules both frontends apply")
struct LoginPolicyTests {
    private static func policy(onlyLoopback: Bool = true) throws -> LoginPolicy {
        let users = UserStore()
        users.put(User(name: "guest", passwordHash: PasswordHash.make("guest")))
        users.put(User(name: "bob", passwordHash: PasswordHash.make("secret")))
        try users.setPermissions(user: "guest", vhost: "/", Permissions(configure: ".*", write: ".*", read: ".*"))
        try users.setPermissions(user: "bob", vhost: "/", Permissions(configure: "", write: "", read: ""))
        return LoginPolicy(
            authenticator: Authenticator(users: users), defaultUser: "guest", defaultUserOnlyLoopback: onlyLoopback)
    }

    @Test("the default user logs in from loopback only, unless the rule is off")
    func defaultUserLoopback() throws {
        let policy = try Self.policy()
        #expect(try policy.login(username: "guest", password: Array("guest".utf8), fromLoopback: true).user.name == "guest")
        #expect(throws: LoginError.self) {
            try policy.login(username: "guest", password: Array("guest".utf8), fromLoopback: false)
        }
        // Other users are not restricted.
        #expect(try policy.login(username: "bob", password: Array("secret".utf8), fromLoopback: false).user.name == "bob")
        let open = try Self.policy(onlyLoopback: false)
        #expect(try open.login(username: "guest", password: Array("guest".utf8), fromLoopback: false).user.name == "guest")
    }

    @Test("a wrong password is refused; the reason names the user, not the password")
    func wrongPassword() throws {
        let policy = try Self.policy()
        do {
            _ = try policy.login(username: "bob", password: Array("nope".utf8), fromLoopback: true)
            Issue.record("a wrong password must be refused")
        } catch {
            #expect(error.message.contains("bob"))
            #expect(!error.message.contains("nope"))
        }
    }

    @Test("a principal found another way (MQTT anonymous) gets the same loopback rule")
    func admit() throws {
        let policy = try Self.policy()
        let guest = Principal(user: User(name: "guest", passwordHash: ""))
        #expect(throws: LoginError.self) { try policy.admit(guest, fromLoopback: false) }
        try policy.admit(guest, fromLoopback: true)
    }

    @Test("a vhost must exist and the user needs a permission entry on it")
    func vhostAccess() throws {
        let policy = try Self.policy()
        let broker = Broker(scheduler: NoScheduler())
        broker.addVHost("/")
        broker.addVHost("other")
        let bob = try policy.login(username: "bob", password: Array("secret".utf8), fromLoopback: true)
        // An entry with empty patterns still grants access to the vhost (RabbitMQ's rule).
        #expect(try policy.open(vhost: "/", in: broker, for: bob).0.name == "/")
        #expect(throws: LoginPolicy.VHostRefusal.self) { try policy.open(vhost: "other", in: broker, for: bob) }
        #expect(throws: LoginPolicy.VHostRefusal.self) { try policy.open(vhost: "missing", in: broker, for: bob) }
        do {
            _ = try policy.open(vhost: "missing", in: broker, for: bob)
        } catch {
            #expect("\(error)" == "vhost 'missing' not found")
        }
    }
}
