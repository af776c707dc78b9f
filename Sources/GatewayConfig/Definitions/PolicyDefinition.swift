import JSON

/// A policy from a definitions file (`policies[]`): `vhost`, `name`, `pattern`, `apply-to`, `priority` and its
/// `definition` keys as written.
public struct PolicyDefinition: Sendable, Equatable {
    public var vhost: String
    public var name: String
    public var pattern: String
    /// `queues`, `exchanges` or `all`.
    public var applyTo: String
    public var priority: Int
    public var definition: [String: JSONValue]

    public init(
        vhost: String, name: String, pattern: String, applyTo: String = "all", priority: Int = 0,
        definition: [String: JSONValue]
    ) {
        self.vhost = vhost
        self.name = name
        self.pattern = pattern
        self.applyTo = applyTo
        self.priority = priority
        self.definition = definition
    }
}
