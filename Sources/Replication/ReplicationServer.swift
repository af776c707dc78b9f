import Bytes
import Clocks
import Locks
import Storage

#if canImport(Glibc)
    import Glibc
#endif

/// The leader's replication port (issue 12 §3): authenticates followers by the cluster's shared secret, brings each
/// one's files level with its own (two bulk-sync rounds, the second while no file changes), then streams every change
/// from the `ReplicationLog` and collects the followers' acknowledgements.
///
/// It keeps the in-sync replica set (ISR): a follower joins once it acknowledged the position its stream started at,
/// and leaves when it disconnects, starts a new bulk sync, or does not acknowledge a change within
/// `ackTimeoutMilliseconds`. Every change to the set is published through `publishISR` (to etcd) before it takes
/// effect here, so a node that may lack a confirmed change is never listed as electable. `waitUntilReplicated` is the
/// durability barrier: a confirm goes out only after every ISR member acknowledged it.
///
/// Threads: one accepts, and each follower has one reading its acknowledgements and one sending its stream.
public final class ReplicationServer: @unchecked Sendable {
    private struct Follower {
        var node: String
        var socket: BlockingSocket
        var acknowledged: UInt64 = 0
        var joinedAt: UInt64
    }

    private struct State {
        var followers: [Int: Follower] = [:]
        var isr: Set<String> = []
        var stopping = false
    }

    /// The port the server listens on.
    public let port: Int
    private let root: String
    private let log: ReplicationLog
    private let secret: [UInt8]
    private let clientPorts: [ClientPort]
    private let ackTimeout: Int64
    private let publishISR: @Sendable ([String]) -> Bool
    private let listener: BlockingSocket
    private let state = ConditionLock(State())
    /// Serialises changes of the ISR (each one waits for its publication).
    private let isrChanges = Lock(())
    private let logger: ReplicationLogger
    private var acceptThread: NamedThread?

    /// Listens on `host:port` for followers of the data directory `root`, whose changes `log` records, telling them
    /// `clientPorts`. `publishISR` gets the follower URIs of each new ISR and returns whether it was published.
    public init(
        root: String, log: ReplicationLog, host: String, port: Int, secret: [UInt8], clientPorts: [ClientPort] = [],
        ackTimeoutMilliseconds: Int,
        publishISR: @escaping @Sendable ([String]) -> Bool, logger: ReplicationLogger
    ) throws(ReplicationFailure) {
        self.root = root
        self.log = log
        self.secret = secret
        self.clientPorts = clientPorts
        ackTimeout = Int64(ackTimeoutMilliseconds)
        self.publishISR = publishISR
        self.logger = logger
        listener = try BlockingSocket.listen(host: host, port: port)
        self.port = listener.localPort
    }

    /// Starts accepting followers.
    public func start() throws(NamedThread.StartError) {
        acceptThread = try NamedThread(name: "gw-repl-accept") { [self] in acceptLoop() }
    }

    /// Closes the port and every follower connection.
    public func stop() {
        let sockets = state.withLockBroadcasting { s -> [BlockingSocket] in
            s.stopping = true
            return s.followers.values.map(\.socket)
        }
        listener.shutdown()
        for socket in sockets { socket.shutdown() }
        acceptThread?.join()
    }

    /// The connected followers.
    public var followers: [FollowerStatus] {
        let end = log.position
        return state.withLock { s in
            s.followers.values.map {
                FollowerStatus(
                    node: $0.node, address: $0.socket.peer, inSync: s.isr.contains($0.node), acknowledged: $0.acknowledged,
                    lagBytes: end > $0.acknowledged ? end - $0.acknowledged : 0)
            }.sorted { $0.node < $1.node }
        }
    }

    /// Whether `host` (a numeric address as the sockets report it) is the address of a connected follower: a peer
    /// whose PROXY protocol headers the client listeners believe.
    public func isFollower(host: String) -> Bool {
        state.withLock { s in s.followers.values.contains { $0.socket.host == host } }
    }

    /// The followers in the ISR.
    public var inSyncReplicas: [String] { state.withLock { $0.isr.sorted() } }

    /// Waits until every ISR member acknowledged stream `position`. Members that do not within the timeout leave the
    /// ISR (published first) and are disconnected. False when that publication failed: the change must not be
    /// confirmed.
    public func waitUntilReplicated(_ position: UInt64) -> Bool {
        let deadline = MonotonicClock.milliseconds() + ackTimeout
        if state.wait(until: deadline, { s in Self.laggards(s, position).isEmpty ? true : nil }) == true { return true }
        let late = state.withLock { Self.laggards($0, position) }
        guard changeISR(removing: late) else { return false }
        let sockets = state.withLock { s in s.followers.values.filter { late.contains($0.node) }.map(\.socket) }
        for socket in sockets { socket.shutdown() }
        for node in late.sorted() {
            logger.warning("follower \(node) did not acknowledge within \(ackTimeout) ms: removed from the in-sync replicas")
        }
        return true
    }

    private static func laggards(_ s: State, _ position: UInt64) -> Set<String> {
        s.isr.filter { node in !s.followers.values.contains { $0.node == node && $0.acknowledged >= position } }
    }

    /// Publishes the ISR with `adding` and without `removing`, then applies it here. False when publishing failed.
    private func changeISR(adding: Set<String> = [], removing: Set<String> = []) -> Bool {
        isrChanges.withLock { _ in
            let current = state.withLock { $0.isr }
            let next = current.union(adding).subtracting(removing)
            guard next != current else { return true }
            guard publishISR(next.sorted()) else {
                logger.warning("cannot publish the in-sync replicas \(next.sorted())")
                return false
            }
            state.withLockBroadcasting { $0.isr = next }
            return true
        }
    }

    private func acceptLoop() {
        while true {
            let socket: BlockingSocket
            do { socket = try listener.accept() } catch {
                if state.withLock({ $0.stopping }) { return }
                logger.warning("replication port: \(error)")
                continue
            }
            if state.withLock({ $0.stopping }) { return }
            do {
                try NamedThread(name: "gw-repl-follow") { [self] in serve(socket) }.detach()
            } catch {
                logger.warning("cannot serve follower \(socket.peer): \(error)")
            }
        }
    }

    private func serve(_ socket: BlockingSocket) {
        socket.setReceiveTimeout(milliseconds: 10_000)
        var reader = FrameReader(socket: socket)
        let node: String
        do { node = try handshake(&reader) } catch {
            logger.warning("replication: refused \(socket.peer): \(error)")
            return
        }
        logger.info("follower \(node) connected from \(socket.peer): bulk sync")
        var id: Int?
        do {
            let (logID, position) = try bulkSync(&reader, node: node)
            id = logID
            try stream(&reader, node: node, id: logID, from: position)
        } catch {
            logger.warning("follower \(node) (\(socket.peer)) disconnected: \(error)")
        }
        socket.shutdown()
        if let id {
            log.unregister(id)
            state.withLockBroadcasting { $0.followers[id] = nil }
        }
        let stillConnected = state.withLock { s in s.followers.values.contains { $0.node == node } }
        if !stillConnected { _ = changeISR(removing: [node]) }
    }

    /// Reads the hello, checks the secret and answers.
    private func handshake(_ reader: inout FrameReader) throws(ReplicationFailure) -> String {
        let (hello, _) = try reader.next()
        var out = ByteBuffer()
        guard case .hello(let offered, let node) = hello else {
            throw ReplicationFailure(description: "expected a hello, got \(hello.name)")
        }
        guard Self.constantTimeEqual(offered, secret) else {
            ReplicationCodec.encode(.refused("wrong clustering secret"), into: &out)
            try? reader.socket.write(&out)
            throw ReplicationFailure(description: "wrong clustering secret (node \(node))")
        }
        guard !state.withLock({ $0.stopping }) else { throw ReplicationFailure(description: "shutting down") }
        // A node starting a bulk sync rewrites its files: it cannot be elected until it caught up again.
        guard changeISR(removing: [node]) else { throw ReplicationFailure(description: "cannot update the in-sync replicas") }
        ReplicationCodec.encode(.welcome(ports: clientPorts), into: &out)
        try reader.socket.write(&out)
        return node
    }

    /// The two bulk-sync rounds; returns the follower's log id and the stream position it starts at.
    private func bulkSync(_ reader: inout FrameReader, node: String) throws(ReplicationFailure) -> (Int, UInt64) {
        let socket = reader.socket
        var out = ByteBuffer()
        let first = try index(&reader)
        try BulkSync.changes(root: root, ours: try scan(), theirs: first, into: &out, flushAt: 1 << 20) {
            (b) throws(ReplicationFailure) in try socket.write(&b)
        }
        ReplicationCodec.encode(.phaseEnd(final: false, position: 0), into: &out)
        try socket.write(&out)
        let second = try index(&reader)
        let root = self.root
        let registered = log.register { () -> Result<ByteBuffer, ReplicationFailure> in
            Result { () throws(ReplicationFailure) in
                var frames = ByteBuffer()
                let ours: [FileIndexEntry]
                do throws(StorageError) { ours = try FileIndex.scan(root: root) } catch { throw ReplicationFailure(error) }
                try BulkSync.changes(root: root, ours: ours, theirs: second, into: &frames)
                return frames
            }
        }
        state.withLockBroadcasting {
            $0.followers[registered.id] = Follower(node: node, socket: socket, joinedAt: registered.position)
        }
        out = try registered.result.get()
        ReplicationCodec.encode(.phaseEnd(final: true, position: registered.position), into: &out)
        try socket.write(&out)
        return (registered.id, registered.position)
    }

    /// Sends the stream on a thread of its own while this one reads acknowledgements.
    private func stream(_ reader: inout FrameReader, node: String, id: Int, from position: UInt64) throws(ReplicationFailure) {
        let socket = reader.socket
        let sender: NamedThread
        do {
            sender = try NamedThread(name: "gw-repl-send") { [self] in send(to: socket, node: node, id: id, from: position) }
        } catch { throw ReplicationFailure(description: "\(error)") }
        defer {
            socket.shutdown()
            sender.join()
        }
        while true {
            let (message, _) = try reader.next()
            guard case .ack(let acked) = message else {
                throw ReplicationFailure(description: "protocol error: expected an ack, got \(message.name)")
            }
            let joined = state.withLockBroadcasting { s -> Bool in
                guard var f = s.followers[id] else { return false }
                f.acknowledged = max(f.acknowledged, acked)
                s.followers[id] = f
                return f.acknowledged >= f.joinedAt && !s.isr.contains(node)
            }
            if joined, changeISR(adding: [node]) {
                logger.info("follower \(node) is in sync (stream position \(acked)): added to the in-sync replicas")
            }
        }
    }

    private func send(to socket: BlockingSocket, node: String, id: Int, from position: UInt64) {
        var cursor = position
        var out = ByteBuffer()
        while true {
            guard let bytes = log.next(for: id, limit: 256 * 1024, deadline: MonotonicClock.milliseconds() + 1000) else {
                logger.warning("follower \(node) fell more than \(log.maxLagBytes) bytes behind: disconnected")
                socket.shutdown()
                return
            }
            do {
                if bytes.isEmpty {
                    ReplicationCodec.encode(.heartbeat(position: cursor), into: &out)
                    try socket.write(&out)
                } else {
                    try bytes.withUnsafeBytes { raw in Result { () throws(ReplicationFailure) in try socket.write(raw) } }.get()
                    cursor += UInt64(bytes.count)
                }
            } catch {
                return
            }
        }
    }

    private func index(_ reader: inout FrameReader) throws(ReplicationFailure) -> [FileIndexEntry] {
        let (message, _) = try reader.next()
        guard case .index(let entries) = message else {
            throw ReplicationFailure(description: "protocol error: expected an index, got \(message.name)")
        }
        return entries
    }

    private func scan() throws(ReplicationFailure) -> [FileIndexEntry] {
        do { return try FileIndex.scan(root: root) } catch { throw ReplicationFailure(error) }
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
