import Bytes
import Clocks
import Locks
import Storage

/// A follower's link to its leader (issue 12 §3): connects to the leader's replication port, proves the cluster's
/// shared secret, brings its data directory level with the leader's (two bulk-sync rounds), then applies the stream
/// of changes, syncing and acknowledging after each batch. It reconnects (and syncs again) after any failure until
/// stopped; the broker is not running on a follower, so nobody else touches the files.
public final class ReplicationClient: @unchecked Sendable {
    /// Where the follower stands.
    public struct Status: Sendable, Equatable {
        /// The leader's advertised URI.
        public var leader: String
        /// True from the end of the bulk sync until the connection drops.
        public var streaming: Bool
        /// The stream position applied and synced.
        public var position: UInt64
        /// The leader's position at its last heartbeat.
        public var leaderPosition: UInt64
        /// The leader's client ports, from its welcome (empty until connected).
        public var leaderPorts: [ClientPort] = []
    }

    private struct State {
        var status: Status
        var socket: BlockingSocket?
        var stopping = false
    }

    private let root: String
    private let host: String
    private let port: Int
    private let secret: @Sendable () -> [UInt8]?
    private let node: String
    private let logger: ReplicationLogger
    private let state: ConditionLock<State>
    private var thread: NamedThread?

    /// A follower of the leader at `leaderURI` (`tcp://host:port`) replicating into `root`, introducing itself as
    /// `node` with the secret `secret` returns (asked at each connection; nil: not known yet, try again later). Throws
    /// for a URI it cannot parse.
    public init(
        root: String, leaderURI: String, secret: @escaping @Sendable () -> [UInt8]?, node: String,
        logger: ReplicationLogger
    ) throws(ReplicationFailure) {
        guard let (host, port) = Self.parse(leaderURI) else {
            throw ReplicationFailure(description: "cannot follow '\(leaderURI)': not a tcp://host:port URI")
        }
        self.root = root
        self.host = host
        self.port = port
        self.secret = secret
        self.node = node
        self.logger = logger
        state = ConditionLock(State(status: Status(leader: leaderURI, streaming: false, position: 0, leaderPosition: 0)))
    }

    /// Starts following.
    public func start() throws(NamedThread.StartError) {
        thread = try NamedThread(name: "gw-repl-client") { [self] in run() }
    }

    /// Stops following and waits for the thread: what was synced stays on disk.
    public func stop() {
        let socket = state.withLockBroadcasting { s -> BlockingSocket? in
            s.stopping = true
            return s.socket
        }
        socket?.shutdown()
        thread?.join()
        thread = nil
    }

    /// Where the follower stands now.
    public var status: Status { state.withLock { $0.status } }

    /// `host` and `port` of a `tcp://host:port` URI.
    public static func parse(_ uri: String) -> (host: String, port: Int)? {
        guard uri.hasPrefix("tcp://") else { return nil }
        let rest = uri.dropFirst(6)
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    private func run() {
        var lastFailure = ""
        while !state.withLock({ $0.stopping }) {
            do {
                try follow()
            } catch {
                if state.withLock({ $0.stopping }) { break }
                if error.description != lastFailure {
                    logger.warning("replication from \(host):\(port): \(error); retrying every second")
                    lastFailure = error.description
                }
            }
            state.withLockBroadcasting { s in
                s.socket = nil
                s.status.streaming = false
            }
            _ = state.wait(until: MonotonicClock.milliseconds() + 1000) { $0.stopping ? true : nil }
        }
    }

    private func follow() throws(ReplicationFailure) {
        guard let secret = secret() else { throw ReplicationFailure(description: "the clustering secret is not known yet") }
        let socket = try BlockingSocket.connect(host: host, port: port, timeoutMilliseconds: 2000)
        let stopping = state.withLock { s -> Bool in
            s.socket = socket
            return s.stopping
        }
        guard !stopping else { return }
        socket.setReceiveTimeout(milliseconds: 10_000)
        var reader = FrameReader(socket: socket)
        var out = ByteBuffer()
        ReplicationCodec.encode(.hello(secret: secret, node: node), into: &out)
        try socket.write(&out)
        let (answer, _) = try reader.next()
        switch answer {
        case .welcome(let ports): state.withLock { $0.status.leaderPorts = ports }
        case .refused(let reason): throw ReplicationFailure(description: "the leader refused: \(reason)")
        default: throw ReplicationFailure(description: "protocol error: expected welcome, got \(answer.name)")
        }
        let replica: FileReplica
        do { replica = try FileReplica(root: root) } catch { throw ReplicationFailure(error) }
        defer { replica.closeAll() }
        let started = MonotonicClock.milliseconds()
        for final in [false, true] {
            do { ReplicationCodec.encode(.index(try FileIndex.scan(root: root)), into: &out) } catch {
                throw ReplicationFailure(error)
            }
            try socket.write(&out)
            var position: UInt64?
            while position == nil {
                let (message, _) = try reader.next()
                switch message {
                case .change(let change): try apply(change, to: replica)
                case .phaseEnd(final, let at): position = at
                default: throw ReplicationFailure(description: "protocol error: unexpected \(message.name) in a bulk sync")
                }
            }
            do { try replica.sync() } catch { throw ReplicationFailure(error) }
            if final, let position {
                state.withLockBroadcasting { s in
                    s.status.position = position
                    s.status.leaderPosition = position
                    s.status.streaming = true
                }
                ReplicationCodec.encode(.ack(position: position), into: &out)
                try socket.write(&out)
                logger.info("synced with the leader \(host):\(port) in \(MonotonicClock.milliseconds() - started) ms; streaming")
                try stream(&reader, replica: replica, from: position)
            }
        }
    }

    private func stream(_ reader: inout FrameReader, replica: FileReplica, from start: UInt64) throws(ReplicationFailure) {
        var position = start
        var out = ByteBuffer()
        while true {
            let (message, size) = try reader.next()
            switch message {
            case .change(let change):
                try apply(change, to: replica)
                position += UInt64(size)
            case .heartbeat(let leaderPosition):
                state.withLock { $0.status.leaderPosition = leaderPosition }
            default:
                throw ReplicationFailure(description: "protocol error: unexpected \(message.name) in the stream")
            }
            guard !reader.hasMore else { continue }
            do { try replica.sync() } catch { throw ReplicationFailure(error) }
            state.withLock { s in
                s.status.position = position
                s.status.leaderPosition = max(s.status.leaderPosition, position)
            }
            ReplicationCodec.encode(.ack(position: position), into: &out)
            try reader.socket.write(&out)
        }
    }

    private func apply(_ change: ReplicatedChange, to replica: FileReplica) throws(ReplicationFailure) {
        do {
            switch change {
            case .write(let path, let offset, let bytes):
                try bytes.withUnsafeBytes { raw in
                    Result { () throws(StorageError) in try replica.apply(.write(path: path, offset: offset, bytes: raw)) }
                }.get()
            case .truncate(let path, let size): try replica.apply(.truncate(path: path, size: size))
            case .create(let path): try replica.apply(.create(path: path))
            case .remove(let path): try replica.apply(.remove(path: path))
            case .rename(let from, let to): try replica.apply(.rename(from: from, to: to))
            case .makeDirectory(let path): try replica.apply(.makeDirectory(path: path))
            case .removeDirectory(let path): try replica.apply(.removeDirectory(path: path))
            }
        } catch {
            throw ReplicationFailure(error)
        }
    }
}
