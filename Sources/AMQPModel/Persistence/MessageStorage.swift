import AMQPValues
import Storage

/// Where the broker keeps messages on disk, under the data directory: one segment-store directory per durable
/// queue in `queues/`, one retained-message log per vhost in `retained/`, and one log of persistent MQTT sessions'
/// QoS 2 state per vhost in `sessions/`. Both are named by the SHA-256 of
/// vhost (and queue) name (`DirectoryName`); the names are written beside the data in `name` for people reading
/// the data dir.
public final class MessageStorage: Sendable {
    /// The data directory.
    public let root: String
    /// Segment file size (`[main] segment_size`).
    public let segmentSize: Int
    /// Message record format.
    public let codec: any MessageCodec
    /// Group commit for every store.
    public let coordinator: SyncCoordinator
    /// Defers the expiry of recovered messages until the definitions are restored (`Broker.finishRecovery`).
    public let recovery = RecoveryGate()
    private let logger = Logger(label: "storage")

    /// Storage under `root` (created as needed).
    public init(root: String, segmentSize: Int, codec: any MessageCodec, coordinator: SyncCoordinator) {
        self.root = root
        self.segmentSize = segmentSize
        self.codec = codec
        self.coordinator = coordinator
    }

    /// Opens (and restores) the retained messages of `vhost`.
    func openRetained(vhost: String) throws(StorageError) -> RetainedMessages {
        let directory = root + "/retained/" + DirectoryName.sha256(Array(vhost.utf8))
        let store = try RetainedMessages(
            directory: directory, vhost: vhost, codec: codec, coordinator: coordinator, logger: logger)
        try Self.writeName(Array(vhost.utf8), in: directory)
        return store
    }

    /// Opens (and restores) the persistent MQTT sessions' QoS 2 state of `vhost`.
    func openMQTTSessions(vhost: String) throws(StorageError) -> MQTTSessionStates {
        let directory = root + "/sessions/" + DirectoryName.sha256(Array(vhost.utf8))
        let name = Array(vhost.utf8)
        return try MQTTSessionStates(
            directory: directory, vhost: vhost, codec: codec, coordinator: coordinator, logger: logger
        ) {
            () throws(StorageError) in try Self.writeName(name, in: directory)
        }
    }

    /// Opens (creating if needed) the store of queue `queue` in vhost `vhost`.
    func openStore(vhost: String, queue: ByteString) throws(StorageError) -> DurableQueueStore {
        let directory = root + "/queues/" + DirectoryName.sha256(Array(vhost.utf8) + [0] + queue.bytes)
        let store = try DurableQueueStore(directory: directory, segmentSize: segmentSize, codec: codec, logger: logger)
        try Self.writeName(Array(vhost.utf8) + [0] + queue.bytes, in: directory)
        return store
    }

    /// Writes the `name` file of a store directory unless it already holds `name` (a restart on a full disk must
    /// not fail for want of the bytes to rewrite what is there).
    private static func writeName(_ name: [UInt8], in directory: String) throws(StorageError) {
        let file = AtomicFile(path: directory + "/name")
        if (try? file.read()) == name { return }
        try file.write(name)
    }
}
