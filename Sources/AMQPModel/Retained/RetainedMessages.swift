import AMQPValues
import Bytes
import Clocks
import Locks
import Storage

/// The retained messages of one vhost: the last retained message per topic (MQTT 3.1.1 §3.3.1.3).
///
/// Publishing a retained message replaces the topic's previous one; an empty payload deletes it.
/// Subscribing looks up every retained topic matching the filter. With storage, every change is appended to
/// the vhost's retained log (synced by the `SyncCoordinator` with the rest of a round) and the log is
/// compacted into a snapshot when it grows past twice the live data.
///
/// A message with an expiration (an MQTT 5 message expiry interval) expires as a retained message too
/// [MQTT-3.3.2-5]: it is kept with its absolute expiry and no longer matched once that has passed.
///
/// Log record: `0x01` put | u16 topic length | topic | message record (`MessageCodec`), `0x02` put with expiry |
/// u16 topic length | topic | expiry as Unix milliseconds `i64` | message record, or `0x00` delete | u16 topic
/// length | topic. Snapshot: put records, each prefixed by its u32 length.
public final class RetainedMessages: @unchecked Sendable, SyncParticipant {
    private struct State {
        var messages: [ByteString: Message] = [:]
        /// Unix milliseconds after which the topic's message is gone; only for messages with an expiration.
        var expiresAt: [ByteString: Int64] = [:]
        var log: AppendLog?
        var scratch = ByteBuffer()
        var liveBytes = 0
    }

    private let state: Lock<State>
    private let codec: (any MessageCodec)?
    private let coordinator: SyncCoordinator?
    private let vhostName: String

    /// A store kept in memory only.
    public init() {
        state = Lock(State())
        codec = nil
        coordinator = nil
        vhostName = ""
    }

    /// A store persisted in `directory`, restored from it.
    init(directory: String, vhost: String, codec: any MessageCodec, coordinator: SyncCoordinator, logger: Logger)
        throws(StorageError)
    {
        self.codec = codec
        self.coordinator = coordinator
        self.vhostName = vhost
        let log = try AppendLog(directory: directory, name: "retained") { logger.warning($0) }
        var restored = State()
        if let snapshot = try log.readSnapshot() {
            var buf = ByteBuffer(bytes: snapshot)
            while let length = buf.readInteger(as: UInt32.self), var record = buf.readSlice(Int(length)) {
                Self.apply(&record, to: &restored, codec: codec)
            }
        }
        try log.replay { raw in
            var record = ByteBuffer(bytes: raw)
            Self.apply(&record, to: &restored, codec: codec)
        }
        restored.log = log
        state = Lock(restored)
    }

    private static func apply(_ record: inout ByteBuffer, to s: inout State, codec: any MessageCodec) {
        guard let op = record.readUInt8(), let n = record.readInteger(as: UInt16.self),
            let topic = record.readBytes(Int(n))
        else { return }
        let key = ByteString(topic)
        if let old = s.messages.removeValue(forKey: key) { s.liveBytes -= old.bodySize }
        s.expiresAt[key] = nil
        var expiresAt: Int64?
        if op == 2 {
            guard let at = record.readInteger(as: Int64.self) else { return }
            expiresAt = at
        }
        if op != 0, let m = codec.decode(&record) {
            s.messages[key] = m
            s.expiresAt[key] = expiresAt
            s.liveBytes += m.bodySize
        }
    }

    /// Stores `message` as the retained message of `topic`, or deletes the topic's retained message when the
    /// body is empty [MQTT-3.3.1-10]. Returns the sync generation after which the change is durable (0: none).
    @discardableResult
    public func retain(_ message: Message, topic: ByteString) -> UInt64 {
        let expiresAt = message.properties.expirationMilliseconds.map { MonotonicClock.unixMilliseconds() &+ $0 }
        let wrote: Bool = state.withLock { s in
            if let old = s.messages.removeValue(forKey: topic) { s.liveBytes -= old.bodySize }
            s.expiresAt[topic] = nil
            if !message.body.isEmpty {
                s.messages[topic] = message
                s.expiresAt[topic] = expiresAt
                s.liveBytes += message.bodySize
            }
            guard let log = s.log, let codec else { return false }
            s.scratch.clear()
            Self.encode(
                topic: topic, message: message.body.isEmpty ? nil : message, expiresAt: expiresAt, codec: codec,
                into: &s.scratch)
            let bytes = s.scratch.readableBytesArray
            do {
                try log.append(bytes)
                return true
            } catch {
                Logger(label: "storage").error("cannot write the retained message of '\(topic)': \(error)")
                return false
            }
        }
        guard wrote, let coordinator else { return 0 }
        return coordinator.markDirty(self)
    }

    private static func encode(
        topic: ByteString, message: Message?, expiresAt: Int64?, codec: any MessageCodec, into buf: inout ByteBuffer
    ) {
        buf.writeUInt8(message == nil ? 0 : expiresAt == nil ? 1 : 2)
        buf.writeInteger(UInt16(topic.count))
        buf.writeBytes(topic.bytes)
        if let message {
            if let expiresAt { buf.writeInteger(expiresAt) }
            codec.encode(message, into: &buf)
        }
    }

    public var syncDescription: String { "retained messages of vhost '\(vhostName)'" }

    /// Syncs the log, compacting it first when it holds more than twice the live data.
    public func prepareSync() throws(StorageError) -> SegmentSyncBatch? {
        try state.withLock { (s: inout State) throws(StorageError) in
            guard let log = s.log, let codec else { return nil }
            if log.logSize > max(1 << 20, 2 * s.liveBytes) {
                var snapshot = ByteBuffer()
                for (topic, message) in s.messages {
                    s.scratch.clear()
                    Self.encode(
                        topic: topic, message: message, expiresAt: s.expiresAt[topic], codec: codec, into: &s.scratch)
                    snapshot.writeInteger(UInt32(s.scratch.readableBytes))
                    snapshot.writeBuffer(s.scratch)
                }
                try log.compact(with: snapshot.readableBytesArray)
            } else {
                try log.sync()
            }
            return nil
        }
    }

    /// The retained messages whose topics match `filter` and that have not expired, sorted by topic, each with its
    /// expiry (Unix milliseconds; `Int64.max`: never).
    public func matching(filter: ByteString) -> [(topic: ByteString, message: Message, expiresAt: Int64)] {
        let now = MonotonicClock.unixMilliseconds()
        let (all, expiries) = state.withLock { s in (Array(s.messages), s.expiresAt) }
        return all.compactMap { topic, message in
            let at = expiries[topic] ?? .max
            guard at > now, MQTTTopicFilter.matches(filter: filter, topic: topic) else { return nil }
            return (topic: topic, message: message, expiresAt: at)
        }.sorted { $0.topic < $1.topic }
    }

    /// Every retained message that has not expired, sorted by topic (including `$` topics, which no wildcard filter
    /// matches).
    public var all: [(topic: ByteString, message: Message)] {
        let now = MonotonicClock.unixMilliseconds()
        return state.withLock { s in s.messages.filter { (s.expiresAt[$0.key] ?? .max) > now } }
            .sorted { $0.key < $1.key }.map { (topic: $0.key, message: $0.value) }
    }

    /// The retained message of `topic`, if any and not expired.
    public func message(topic: ByteString) -> Message? {
        let now = MonotonicClock.unixMilliseconds()
        return state.withLock { s in (s.expiresAt[topic] ?? .max) > now ? s.messages[topic] : nil }
    }

    /// Number of retained topics.
    public var count: Int { state.withLock { $0.messages.count } }
}
