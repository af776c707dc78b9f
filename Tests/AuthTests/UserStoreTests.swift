import Testing

@testable import Auth

@Suite("User store")
struct UserStoreTests {
    static func store(with names: String...) -> UserStore {
        let store = UserStore()
        for n in names { store.put(User(name: n, passwordHash: PasswordHash.make("pw-\(n)"), tags: ["management"])) }
        return store
    }

    @Test("users are added, replaced, listed by name and deleted")
    func users() {
        let store = UserStore()
        #expect(store.isEmpty)
        store.put(User(name: "bob", passwordHash: "h1"))
        store.put(User(name: "alice", passwordHash: "h2", tags: ["administrator", "custom-tag"]))
        #expect(!store.isEmpty)
        #expect(store.users.map(\.name) == ["alice", "bob"])
        #expect(store.user(named: "alice")?.hasTag(.administrator) == true)
        #expect(store.user(named: "alice")?.tags == ["administrator", "custom-tag"])
        #expect(store.user(named: "bob")?.hasTag(.administrator) == false)
        store.put(User(name: "bob", passwordHash: "h3", hashingAlgorithm: .md5))
        #expect(store.user(named: "bob") == User(name: "bob", passwordHash: "h3", hashingAlgorithm: .md5))
        #expect(store.deleteUser("bob"))
        #expect(!store.deleteUser("bob"))
        #expect(store.user(named: "bob") == nil)
    }

    @Test("authenticate checks the password with the user's algorithm")
    func authenticate() {
        let store = UserStore()
        store.put(User(name: "s", passwordHash: PasswordHash.make("one", algorithm: .sha512), hashingAlgorithm: .sha512))
        store.put(User(name: "b", passwordHash: PasswordHash.make("two", algorithm: .bcrypt), hashingAlgorithm: .bcrypt))
        store.put(User(name: "nopw", passwordHash: ""))
        #expect(store.authenticate(username: "s", password: Array("one".utf8))?.name == "s")
        #expect(store.authenticate(username: "b", password: Array("two".utf8))?.name == "b")
        #expect(store.authenticate(username: "s", password: Array("two".utf8)) == nil)
        #expect(store.authenticate(username: "ghost", password: Array("one".utf8)) == nil)
        #expect(store.authenticate(username: "nopw", password: []) == nil)
    }

    @Test("permissions are stored per (user, vhost) and listed")
    func permissions() throws {
        let store = Self.store(with: "u", "v")
        try store.setPermissions(user: "u", vhost: "/", .all)
        try store.setPermissions(user: "u", vhost: "dev", Permissions(configure: "", write: "^x", read: "y"))
        try store.setPermissions(user: "v", vhost: "/", Permissions(configure: "a", write: "b", read: "c"))
        #expect(store.permissions(user: "u", vhost: "dev") == Permissions(configure: "", write: "^x", read: "y"))
        #expect(store.permissions(user: "u", vhost: "prod") == nil)
        #expect(store.allPermissions().map { "\($0.user)@\($0.vhost)" } == ["u@/", "u@dev", "v@/"])
        store.clearPermissions(user: "u", vhost: "dev")
        #expect(store.permissions(user: "u", vhost: "dev") == nil)
        store.removeVhost("/")
        #expect(store.allPermissions().isEmpty)
    }

    @Test("an invalid regex is refused with an error naming it, and nothing changes")
    func invalidRegex() throws {
        let store = Self.store(with: "u")
        try store.setPermissions(user: "u", vhost: "/", .all)
        let error = #expect(throws: AuthError.self) {
            try store.setPermissions(user: "u", vhost: "/", Permissions(configure: ".*", write: "(unclosed", read: ".*"))
        }
        #expect(error?.kind == .invalidPattern)
        #expect(error?.description.contains("(unclosed") == true)
        #expect(error?.description.contains("write") == true)
        #expect(store.permissions(user: "u", vhost: "/") == .all)
    }

    @Test("permissions for an unknown user are refused")
    func unknownUser() {
        let store = UserStore()
        let error = #expect(throws: AuthError.self) { try store.setPermissions(user: "ghost", vhost: "/", .all) }
        #expect(error?.kind == .noSuchUser)
        #expect(error?.description.contains("ghost") == true)
        #expect(throws: AuthError.self) {
            try store.setTopicPermissions(user: "ghost", vhost: "/", TopicPermissions(exchange: "x", write: ".*", read: ".*"))
        }
    }

    @Test("topic permissions: one per exchange, replaced on set, cleared per exchange or all")
    func topicPermissions() throws {
        let store = Self.store(with: "u")
        try store.setTopicPermissions(user: "u", vhost: "/", TopicPermissions(exchange: "t2", write: "a", read: "b"))
        try store.setTopicPermissions(user: "u", vhost: "/", TopicPermissions(exchange: "t1", write: "c", read: "d"))
        try store.setTopicPermissions(user: "u", vhost: "/", TopicPermissions(exchange: "t2", write: "e", read: "f"))
        #expect(
            store.topicPermissions(user: "u", vhost: "/") == [
                TopicPermissions(exchange: "t1", write: "c", read: "d"), TopicPermissions(exchange: "t2", write: "e", read: "f"),
            ])
        store.clearTopicPermissions(user: "u", vhost: "/", exchange: "t1")
        #expect(store.topicPermissions(user: "u", vhost: "/").map(\.exchange) == ["t2"])
        store.clearTopicPermissions(user: "u", vhost: "/", exchange: nil)
        #expect(store.topicPermissions(user: "u", vhost: "/").isEmpty)
    }

    @Test("topic permission regexes are validated with their variables expanded")
    func topicRegexValidation() throws {
        let store = Self.store(with: "u")
        try store.setTopicPermissions(
            user: "u", vhost: "/", TopicPermissions(exchange: "x", write: "^{username}/{client_id}/", read: "^{vhost}\\."))
        let error = #expect(throws: AuthError.self) {
            try store.setTopicPermissions(user: "u", vhost: "/", TopicPermissions(exchange: "x", write: "^{username}[", read: ".*"))
        }
        #expect(error?.description.contains("^{username}[") == true)
    }

    @Test("deleting a user or a vhost removes their permissions; every change bumps the revision")
    func cascadesAndRevision() throws {
        let store = Self.store(with: "u", "v")
        var last = store.revision
        func bumped() -> Bool {
            defer { last = store.revision }
            return store.revision > last
        }
        try store.setPermissions(user: "u", vhost: "/", .all)
        #expect(bumped())
        try store.setTopicPermissions(user: "u", vhost: "/", TopicPermissions(exchange: "x", write: ".*", read: ".*"))
        #expect(bumped())
        try store.setPermissions(user: "v", vhost: "other", .all)
        #expect(bumped())
        #expect(store.deleteUser("u"))
        #expect(bumped())
        #expect(store.permissions(user: "u", vhost: "/") == nil)
        #expect(store.topicPermissions(user: "u", vhost: "/").isEmpty)
        store.removeVhost("other")
        #expect(bumped())
        #expect(store.permissions(user: "v", vhost: "other") == nil)
        store.put(User(name: "w", passwordHash: ""))
        #expect(bumped())
    }
}
