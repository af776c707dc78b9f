/// A virtual host from a definitions file (`vhosts[]`).
public struct VHostDefinition: Sendable, Equatable {
    /// `name`.
    public var name: String

    public init(name: String) {
        self.name = name
    }
}
