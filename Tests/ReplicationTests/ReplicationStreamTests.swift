import Bytes
import Clocks
import Locks
import Storage
import Testing

@testable import Replication

@Suite("Replication: a follower's data directory follows its leader's")
struct ReplicationStreamTests {
    static let secret = Array("cluster-secret".utf8)

    /// A leader on `root` with its log attached; `published` collects every ISR it publishes.
    static func leader(
        _ root: String, published: Lock<[[String]]>, lines: LogLines, ackTimeout: Int = 5000
    ) throws -> (ReplicationLog, ReplicationServer) {
        let log = ReplicationLog(maxLagBytes: 64 << 20)
        FileChangeFeeds.attach(log, root: root)
        let server = try ReplicationServer(
            root: root, log: log, host: "127.0.0.1", port: 0, secret: secret,
            clientPorts: [ClientPort(name: "amqp", port: 5672)], ackTimeoutMilliseconds: ackTimeout,
            publishISR: { isr in
                published.withLock { $0.append(isr) }
                return true
            }, logger: lines.logger)
        try server.start()
        return (log, server)
    }

    @Test("bulk sync repairs a divergent follower, then every kind of change streams and is acknowledged")
    func followsEveryChange() throws {
        let (leaderDir, followerDir) = (TempDirectory(), TempDirectory())
        defer {
            FileChangeFeeds.detach(root: leaderDir.path)
            leaderDir.remove()
            followerDir.remove()
        }
        let store = try SegmentStore(directory: leaderDir.path + "/queues/q1", segmentSize: 4096, log: { _ in })
        var positions: [SegmentPosition] = []
        for i in 0..<50 { positions.append(try store.append(payload(i, count: 100))) }
        try store.sync()
        followerDir.write("queues/q1/msgs.0000000001", payload(999, count: 300))
        followerDir.write("queues/q1/extra", [1, 2, 3])
        followerDir.write("stale/deep/file", [4])

        let published = Lock<[[String]]>([])
        let lines = LogLines()
        let (log, server) = try Self.leader(leaderDir.path, published: published, lines: lines)
        defer { server.stop() }
        let client = try ReplicationClient(
            root: followerDir.path, leaderURI: "tcp://127.0.0.1:\(server.port)", secret: { Self.secret },
            node: "tcp://follower-1:5679", logger: lines.logger)
        try client.start()
        defer { client.stop() }
        #expect(eventually { server.inSyncReplicas == ["tcp://follower-1:5679"] }, "\(lines.all)")
        #expect(try FileIndex.scan(root: followerDir.path) == FileIndex.scan(root: leaderDir.path))

        for i in 50..<200 { positions.append(try store.append(payload(i, count: 100))) }
        for p in positions.prefix(60) { try store.ack(p) }
        try store.sync()
        let retained = try AppendLog(directory: leaderDir.path + "/retained/v", name: "retained", log: { _ in })
        try retained.append(payload(1))
        try retained.sync()
        try retained.compact(with: payload(2, count: 40))
        try retained.append(payload(3))
        try retained.sync()
        try AtomicFile(path: leaderDir.path + "/definitions.json").write(payload(4, count: 3000))
        let other = try SegmentStore(directory: leaderDir.path + "/queues/q2", log: { _ in })
        _ = try other.append(payload(5))
        try other.sync()
        try other.destroy()

        #expect(server.waitUntilReplicated(log.position))
        #expect(try FileIndex.scan(root: followerDir.path) == FileIndex.scan(root: leaderDir.path))
        #expect(client.status.streaming && client.status.position == log.position, "\(lines.all)")
        #expect(server.followers.map(\.lagBytes) == [0])
        #expect(published.withLock { $0 } == [["tcp://follower-1:5679"]], "published once, on joining")
    }

    @Test("a wrong secret is refused with a log line on both sides, and nothing is written")
    func wrongSecret() throws {
        let (leaderDir, followerDir) = (TempDirectory(), TempDirectory())
        defer {
            FileChangeFeeds.detach(root: leaderDir.path)
            leaderDir.remove()
            followerDir.remove()
        }
        leaderDir.write("definitions.json", [1, 2, 3])
        let (leaderLines, followerLines) = (LogLines(), LogLines())
        let (_, server) = try Self.leader(leaderDir.path, published: Lock([]), lines: leaderLines)
        defer { server.stop() }
        let client = try ReplicationClient(
            root: followerDir.path, leaderURI: "tcp://127.0.0.1:\(server.port)", secret: { Array("guess".utf8) },
            node: "tcp://intruder:1", logger: followerLines.logger)
        try client.start()
        defer { client.stop() }
        #expect(eventually { leaderLines.contains("refused 127.0.0.1") && leaderLines.contains("wrong clustering secret") })
        #expect(eventually { followerLines.contains("the leader refused: wrong clustering secret") })
        #expect(!client.status.streaming)
        #expect(try FileIndex.scan(root: followerDir.path).isEmpty)
        #expect(server.followers.isEmpty)
    }

    @Test("garbage on the replication port is refused and logged; a real follower is served afterwards")
    func garbage() throws {
        let (leaderDir, followerDir) = (TempDirectory(), TempDirectory())
        defer {
            FileChangeFeeds.detach(root: leaderDir.path)
            leaderDir.remove()
            followerDir.remove()
        }
        let lines = LogLines()
        let (_, server) = try Self.leader(leaderDir.path, published: Lock([]), lines: lines)
        defer { server.stop() }
        for junk in [Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), [0x01, 0xFF, 0xFF, 0xFF, 0xFF], [0x01, 0, 0, 0, 1, 0x47]] {
            let before = lines.all.count
            let socket = try BlockingSocket.connect(host: "127.0.0.1", port: server.port, timeoutMilliseconds: 1000)
            try junk.withUnsafeBytes { try socket.write($0) }
            if junk.count == 6 { socket.shutdown() }
            #expect(eventually { lines.all.count > before && lines.all.last!.contains("refused") }, "\(lines.all)")
        }
        let client = try ReplicationClient(
            root: followerDir.path, leaderURI: "tcp://127.0.0.1:\(server.port)", secret: { Self.secret },
            node: "tcp://follower:1", logger: lines.logger)
        try client.start()
        defer { client.stop() }
        #expect(eventually { server.inSyncReplicas == ["tcp://follower:1"] })
    }

    @Test("a follower that stops acknowledging leaves the ISR within the timeout and the leader carries on")
    func laggardLeavesISR() throws {
        let leaderDir = TempDirectory()
        defer {
            FileChangeFeeds.detach(root: leaderDir.path)
            leaderDir.remove()
        }
        let published = Lock<[[String]]>([])
        let lines = LogLines()
        let (log, server) = try Self.leader(leaderDir.path, published: published, lines: lines, ackTimeout: 300)
        defer { server.stop() }
        // A follower that syncs, acknowledges its join position, and then never again.
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: server.port, timeoutMilliseconds: 1000)
        var reader = FrameReader(socket: socket)
        var out = ByteBuffer()
        ReplicationCodec.encode(.hello(secret: Self.secret, node: "tcp://frozen:1"), into: &out)
        ReplicationCodec.encode(.index([]), into: &out)
        try socket.write(&out)
        #expect(try reader.next().0 == .welcome(ports: [ClientPort(name: "amqp", port: 5672)]))
        #expect(try reader.next().0 == .phaseEnd(final: false, position: 0))
        ReplicationCodec.encode(.index([]), into: &out)
        try socket.write(&out)
        guard case (.phaseEnd(true, let joined), _) = try reader.next() else {
            Issue.record("no final phase end")
            return
        }
        ReplicationCodec.encode(.ack(position: joined), into: &out)
        try socket.write(&out)
        #expect(eventually { server.inSyncReplicas == ["tcp://frozen:1"] })

        let store = try SegmentStore(directory: leaderDir.path + "/queues/q", log: { _ in })
        _ = try store.append(payload(1))
        try store.sync()
        let started = MonotonicClock.milliseconds()
        #expect(server.waitUntilReplicated(log.position), "confirms go on without the frozen follower")
        let waited = MonotonicClock.milliseconds() - started
        #expect(waited >= 300 && waited < 3000)
        #expect(server.inSyncReplicas.isEmpty)
        #expect(published.withLock { $0 } == [["tcp://frozen:1"], []])
        #expect(lines.contains("follower tcp://frozen:1 did not acknowledge within 300 ms"))
        _ = try store.append(payload(2))
        try store.sync()
        let again = MonotonicClock.milliseconds()
        #expect(server.waitUntilReplicated(log.position))
        #expect(MonotonicClock.milliseconds() - again < 250, "no wait once it left the ISR")
    }
}
