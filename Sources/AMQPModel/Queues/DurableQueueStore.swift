import Bytes
import Clocks
import Storage

/// The store of a durable queue: ready messages in memory (an `InMemoryQueueStore`), and the records of its
/// persistent messages in a `SegmentStore` until they are settled.
///
/// Non-persistent messages in a durable queue are kept in memory only, as RabbitMQ does: they do not survive
/// a restart. Every message found on disk at start is ready again, flagged redelivered.
///
/// Record: `0xE1` | subscription QoS `u8` | expiry as Unix milliseconds `i64` (`Int64.max`: never) | the message
/// (`MessageCodec`). Records from before the entry fields were kept are the bare message, whose codec format byte
/// is never `0xE1`.
public final class DurableQueueStore: QueueStore {
    private let ready = InMemoryQueueStore()
    private let segments: SegmentStore
    private let codec: any MessageCodec
    private let logger: Logger
    private var scratch = ByteBuffer(capacity: 256)

    /// Opens (and recovers) the store in `directory`.
    public init(directory: String, segmentSize: Int, codec: any MessageCodec, logger: Logger) throws(StorageError) {
        self.codec = codec
        self.logger = logger
        segments = try SegmentStore(directory: directory, segmentSize: segmentSize) { logger.warning($0) }
    }

    /// The messages found on disk, in order, with their positions; records that do not decode are settled and logged.
    func recover() throws(StorageError) -> [RecoveredEntry] {
        var found: [RecoveredEntry] = []
        var broken: [SegmentPosition] = []
        try segments.forEachUnacked { position, bytes in
            var record = ByteBuffer(bytes: bytes)
            var qos: UInt8?
            var expiresAt: Int64?
            if record.peekUInt8() == Self.entryMarker {
                _ = record.readUInt8()
                qos = record.readUInt8()
                expiresAt = record.readInteger(as: Int64.self)
            }
            if let m = codec.decode(&record) {
                found.append(RecoveredEntry(message: m, position: position, qos: qos, expiresAtUnix: expiresAt))
            } else {
                broken.append(position)
            }
        }
        for p in broken {
            logger.warning("dropping an undecodable message record at segment \(p.segment) offset \(p.offset)")
            try? segments.ack(p)
        }
        return found
    }

    /// The first byte of a record that carries its entry's fields.
    static let entryMarker: UInt8 = 0xE1

    public var count: Int { ready.count }
    public var byteCount: Int { ready.byteCount }
    public var first: QueueEntry? { ready.first }
    public var keepsRecords: Bool { true }

    public func persist(_ entry: QueueEntry) throws(StorageError) -> QueueEntry {
        guard entry.message.properties.isPersistent, entry.position == nil else { return entry }
        scratch.clear()
        scratch.writeUInt8(Self.entryMarker)
        scratch.writeUInt8(entry.qos)
        let expiresAtUnix =
            entry.expiresAt == .max
            ? Int64.max : MonotonicClock.unixMilliseconds() &+ (entry.expiresAt &- MonotonicClock.milliseconds())
        scratch.writeInteger(expiresAtUnix)
        codec.encode(entry.message, into: &scratch)
        let result = scratch.withReadableBytes { raw in Result { () throws(StorageError) in try segments.append(raw) } }
        var e = entry
        e.position = try result.get()
        return e
    }

    public func append(_ entry: QueueEntry) { ready.append(entry) }

    public func removeFirst() -> QueueEntry? { ready.removeFirst() }

    public func returnToFront(_ entries: [QueueEntry]) { ready.returnToFront(entries) }

    public func removeAll() -> Int {
        let all = ready.peek(limit: ready.count)
        for e in all { settle(e) }
        return ready.removeAll()
    }

    public func settle(_ entry: QueueEntry) {
        guard let p = entry.position else { return }
        do { try segments.ack(p) } catch { logger.error("cannot record an acknowledgement: \(error)") }
    }

    public func peek(limit: Int) -> [QueueEntry] { ready.peek(limit: limit) }

    public func destroy() {
        do { try segments.destroy() } catch { logger.error("cannot remove the message store: \(error)") }
    }

    public func prepareSync() throws(StorageError) -> SegmentSyncBatch? { try segments.prepareSync() }
}
