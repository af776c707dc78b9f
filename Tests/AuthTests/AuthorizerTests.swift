import AMQPValues
import Testing

@testable import Auth

@Suite("Authorizer")
struct AuthorizerTests {
    static func authorizer(
        _ permissions: Permissions?, user name: String = "u", vhost: String = "/", clientId: String? = nil
    ) throws -> (UserStore, Authorizer) {
        let store = UserStore()
        let user = User(name: name, passwordHash: "")
        store.put(user)
        if let permissions { try store.setPermissions(user: name, vhost: vhost, permissions) }
        return (store, Authorizer(store: store, user: user, vhost: vhost, clientId: clientId))
    }

    @Test(
        "permission regexes: unanchored, empty denies everything",
        arguments: [
            ("", "anything", false), ("", "", false), (".*", "q", true), (".*", "", true),
            ("^amq\\.", "amq.direct", true), ("^amq\\.", "amqXdirect", false), ("^amq\\.", "x.amq.direct", false),
            ("foo", "xfooy", true), ("foo", "fo", false), ("^foo$", "xfooy", false), ("^foo$", "foo", true),
            ("^$", "q", false), ("^$", "", true), ("a|b", "xbx", true), ("^(q1|q2)$", "q2", true), ("^(q1|q2)$", "q3", false),
            ("^mqtt\\.", "mqtt.client-1", true), ("[0-9]+$", "queue42", true), ("^caf\u{E9}", "caf\u{E9}-q", true),
            ("^é", "e\u{301}", false),
        ])
    func regexTable(pattern: String, resource: String, allowed: Bool) throws {
        let (_, auth) = try Self.authorizer(Permissions(configure: pattern, write: pattern, read: pattern))
        for kind in [PermissionKind.configure, .write, .read] {
            #expect(auth.isAllowed(kind, resource: ByteString(resource)) == allowed, "\(kind)")
        }
    }

    @Test("configure, write and read are checked against their own regex")
    func kindsAreSeparate() throws {
        let (_, auth) = try Self.authorizer(Permissions(configure: "^c$", write: "^w$", read: "^r$"))
        #expect(auth.isAllowed(.configure, resource: "c") && !auth.isAllowed(.configure, resource: "w"))
        #expect(auth.isAllowed(.write, resource: "w") && !auth.isAllowed(.write, resource: "r"))
        #expect(auth.isAllowed(.read, resource: "r") && !auth.isAllowed(.read, resource: "c"))
    }

    @Test("without a permissions entry on the vhost there is no access and everything is denied")
    func noEntry() throws {
        let (store, auth) = try Self.authorizer(nil)
        try store.setPermissions(user: "u", vhost: "other", .all)
        #expect(!auth.hasVhostAccess)
        #expect(!auth.isAllowed(.read, resource: "q"))
    }

    @Test("topic permissions: no entry for the exchange allows; an entry's regex must match the routing key")
    func topicBasics() throws {
        let (store, auth) = try Self.authorizer(.all)
        #expect(auth.isTopicAllowed(.write, exchange: "amq.topic", routingKey: "anything"))
        try store.setTopicPermissions(
            user: "u", vhost: "/", TopicPermissions(exchange: "amq.topic", write: "^sensors\\.", read: "^alerts$"))
        #expect(auth.isTopicAllowed(.write, exchange: "amq.topic", routingKey: "sensors.t1"))
        #expect(!auth.isTopicAllowed(.write, exchange: "amq.topic", routingKey: "alerts"))
        #expect(auth.isTopicAllowed(.read, exchange: "amq.topic", routingKey: "alerts"))
        #expect(!auth.isTopicAllowed(.read, exchange: "amq.topic", routingKey: "sensors.t1"))
        #expect(auth.isTopicAllowed(.write, exchange: "other", routingKey: "alerts"))
        try store.setTopicPermissions(user: "u", vhost: "/", TopicPermissions(exchange: "mqtt.default", write: "", read: ".*"))
        #expect(!auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "a/b"))
    }

    @Test("{username}, {vhost} and {client_id} expand with regex metacharacters escaped")
    func topicVariables() throws {
        let (store, auth) = try Self.authorizer(.all, user: "a.b+c", vhost: "v(1)", clientId: "dev*1")
        try store.setTopicPermissions(
            user: "a.b+c", vhost: "v(1)",
            TopicPermissions(exchange: "mqtt.default", write: "^{username}/{client_id}/", read: "^{vhost}/"))
        #expect(auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "a.b+c/dev*1/t"))
        #expect(!auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "aXb+c/dev*1/t"))
        #expect(!auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "a.bbc/dev*1/t"))
        #expect(!auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "a.b+c/dev1/t"))
        #expect(!auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "a.b+c/devvv1/t"))
        #expect(auth.isTopicAllowed(.read, exchange: "mqtt.default", routingKey: "v(1)/x"))
        #expect(!auth.isTopicAllowed(.read, exchange: "mqtt.default", routingKey: "v1/x"))
    }

    @Test("{client_id} with combining marks and controls expands to a pattern that matches only that id")
    func topicVariablesOutsideASCII() throws {
        let clientId = "dev'\u{64B}\u{301}\r\n😀"
        let (store, auth) = try Self.authorizer(.all, clientId: clientId)
        try store.setTopicPermissions(
            user: "u", vhost: "/", TopicPermissions(exchange: "mqtt.default", write: "^{client_id}/", read: ".*"))
        #expect(auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: ByteString(clientId + "/t")))
        #expect(!auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: "dev'/t"))
        #expect(!auth.isTopicAllowed(.write, exchange: "mqtt.default", routingKey: ByteString("dev'\u{64B}/t")))
    }

    @Test("a connection without a client id never matches a {client_id} rule")
    func missingClientId() throws {
        let (store, auth) = try Self.authorizer(.all)
        try store.setTopicPermissions(user: "u", vhost: "/", TopicPermissions(exchange: "x", write: "^{client_id}$", read: ".*"))
        #expect(!auth.isTopicAllowed(.write, exchange: "x", routingKey: ""))
        #expect(!auth.isTopicAllowed(.write, exchange: "x", routingKey: "c"))
    }

    @Test("cached decisions follow permission changes in the store")
    func cacheInvalidation() throws {
        let (store, auth) = try Self.authorizer(.all)
        #expect(auth.isAllowed(.write, resource: "q"))
        #expect(auth.isAllowed(.write, resource: "q"))
        try store.setPermissions(user: "u", vhost: "/", Permissions(configure: ".*", write: "^other$", read: ".*"))
        #expect(!auth.isAllowed(.write, resource: "q"))
        #expect(auth.isAllowed(.write, resource: "other"))

        #expect(auth.isTopicAllowed(.write, exchange: "t", routingKey: "k"))
        try store.setTopicPermissions(user: "u", vhost: "/", TopicPermissions(exchange: "t", write: "^z", read: ".*"))
        #expect(!auth.isTopicAllowed(.write, exchange: "t", routingKey: "k"))
        store.clearTopicPermissions(user: "u", vhost: "/", exchange: "t")
        #expect(auth.isTopicAllowed(.write, exchange: "t", routingKey: "k"))

        store.clearPermissions(user: "u", vhost: "/")
        #expect(!auth.hasVhostAccess)
        #expect(!auth.isAllowed(.read, resource: "q"))
        try store.setPermissions(user: "u", vhost: "/", .all)
        #expect(auth.hasVhostAccess)
        #expect(auth.isAllowed(.read, resource: "q"))
    }

    @Test("a deleted user loses access; a replaced user's tags show through")
    func userChanges() throws {
        let (store, auth) = try Self.authorizer(.all)
        store.put(User(name: "u", passwordHash: "", tags: ["monitoring"]))
        #expect(auth.isAllowed(.read, resource: "q"))
        #expect(auth.user.hasTag(.monitoring))
        store.deleteUser("u")
        #expect(!auth.hasVhostAccess)
        #expect(!auth.isAllowed(.read, resource: "q"))
    }

    @Test("more distinct resources than the cache holds are still decided correctly")
    func cacheBound() throws {
        let (_, auth) = try Self.authorizer(Permissions(configure: "", write: "", read: "^q[0-9]*7$"))
        for i in 0..<5000 {
            #expect(auth.isAllowed(.read, resource: ByteString("q\(i)")) == (i % 10 == 7))
        }
        #expect(auth.isAllowed(.read, resource: "q7"))
    }
}
