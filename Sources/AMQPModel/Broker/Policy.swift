import AMQPValues

/// A policy (RabbitMQ's): limits for every queue of its vhost whose name matches `pattern`. Of the policies that
/// match a queue, the one with the highest `priority` applies (ties: the name that sorts first); a queue's own
/// `x-` arguments win over it key by key. Changing or deleting a policy changes live queues at once.
public struct Policy: Sendable, Equatable {
    /// What a policy applies to.
    public enum ApplyTo: String, Sendable, CaseIterable {
        case queues, exchanges, all
    }

    /// The keys that act on queues; other keys (RabbitMQ's `ha-mode` and the like) are kept but have no effect.
    public static let queueKeys: Set<String> = [
        "message-ttl", "expires", "max-length", "max-length-bytes", "overflow", "dead-letter-exchange",
        "dead-letter-routing-key",
    ]

    public var name: String
    /// A regular expression matched anywhere in the queue (or exchange) name, as RabbitMQ does.
    public var pattern: String
    public var applyTo: ApplyTo
    public var priority: Int
    /// The policy's keys (`max-length`, `message-ttl`, … without `x-`) and values.
    public var definition: FieldTable

    public init(name: String, pattern: String, applyTo: ApplyTo = .all, priority: Int = 0, definition: FieldTable) {
        self.name = name
        self.pattern = pattern
        self.applyTo = applyTo
        self.priority = priority
        self.definition = definition
    }

    /// The queue keys of the definition, the rest left out.
    var queueDefinition: FieldTable {
        FieldTable(definition.entries.filter { Self.queueKeys.contains($0.key.string) })
    }

    /// Checks the pattern compiles and the queue keys have valid values; the error says which.
    func validate() throws(BrokerError) {
        guard (try? Regex(pattern)) != nil else {
            throw BrokerError(.preconditionFailed, "policy '\(name)': pattern '\(pattern)' is not a valid regular expression")
        }
        guard !definition.entries.isEmpty else {
            throw BrokerError(.preconditionFailed, "policy '\(name)': the definition is empty")
        }
        do { _ = try QueueArguments(arguments: FieldTable(), policy: queueDefinition) } catch {
            throw BrokerError(.preconditionFailed, "policy '\(name)': \(error.message.replacingArgPrefix)")
        }
    }

    /// True when the policy applies to the queue called `queue`.
    func matches(queue: ByteString) -> Bool {
        guard applyTo != .exchanges, let regex = try? Regex(pattern) else { return false }
        return queue.string.contains(regex)
    }
}

extension String {
    /// A queue-argument error message, speaking of policy keys (`'x-max-length'` → `'max-length'`).
    fileprivate var replacingArgPrefix: String {
        replacing("arg 'x-", with: "key '")
    }
}
