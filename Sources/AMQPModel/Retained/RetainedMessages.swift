import Locks

/// The retained messages of one vhost: the last retained message per topic (MQTT 3.1.1 §3.3.1.3).
///
/// Publishing a retained message replaces the topic's previous one; an empty payload deletes it.
/// Subscribing looks up every retained topic matching the filter.
public final class RetainedMessages: Sendable {
    private let messages = Lock<[ByteString: Message]>([:])

    /// An empty store.
    public init() {}

    /// Stores `message` as the retained message of `topic`, or deletes the topic's retained message when
    /// the body is empty [MQTT-3.3.1-10].
    public func retain(_ message: Message, topic: ByteString) {
        messages.withLock { m in
            if message.body.isEmpty { m[topic] = nil } else { m[topic] = message }
        }
    }

    /// The retained messages whose topics match `filter`, sorted by topic.
    public func matching(filter: ByteString) -> [(topic: ByteString, message: Message)] {
        let all = messages.withLock { Array($0) }
        return all.filter { MQTTTopic.matches(filter: filter, topic: $0.key) }
            .sorted { $0.key < $1.key }
            .map { (topic: $0.key, message: $0.value) }
    }

    /// Number of retained topics.
    public var count: Int { messages.withLock { $0.count } }

    /// Every retained message (persistence, management).
    public var all: [(topic: ByteString, message: Message)] {
        messages.withLock { m in m.map { (topic: $0.key, message: $0.value) } }.sorted { $0.topic < $1.topic }
    }
}
