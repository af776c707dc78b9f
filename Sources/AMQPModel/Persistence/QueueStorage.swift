import COpenSSL
import Storage

/// Where durable queues keep their messages: one segment-store directory per queue under `root`, named by
/// the SHA-256 of vhost and queue name (queue names are up to 255 arbitrary bytes, too long and too free-form
/// for file names), with the names written beside it in `name` for people reading the data dir.
public final class QueueStorage: Sendable {
    /// The `queues` directory inside the data dir.
    public let root: String
    /// Segment file size (`[main] segment_size`).
    public let segmentSize: Int
    /// Message record format.
    public let codec: any MessageCodec
    /// Group commit for every queue store.
    public let coordinator: SyncCoordinator
    private let logger = Logger(label: "storage")

    /// Storage under `root` (created as needed).
    public init(root: String, segmentSize: Int, codec: any MessageCodec, coordinator: SyncCoordinator) {
        self.root = root
        self.segmentSize = segmentSize
        self.codec = codec
        self.coordinator = coordinator
    }

    /// Opens (creating if needed) the store of queue `queue` in vhost `vhost`.
    func openStore(vhost: String, queue: ByteString) throws(StorageError) -> DurableQueueStore {
        let directory = root + "/" + Self.directoryName(vhost: vhost, queue: queue)
        let store = try DurableQueueStore(directory: directory, segmentSize: segmentSize, codec: codec, logger: logger)
        try AtomicFile(path: directory + "/name").write(Array(vhost.utf8) + [0] + queue.bytes)
        return store
    }

    static func directoryName(vhost: String, queue: ByteString) -> String {
        let input = Array(vhost.utf8) + [0] + queue.bytes
        var digest = [UInt8](repeating: 0, count: 32)
        _ = input.withUnsafeBytes { raw in SHA256(raw.bindMemory(to: UInt8.self).baseAddress, input.count, &digest) }
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
    }
}
