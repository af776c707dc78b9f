import Bytes
import Forwarding
import Glibc
import ProxyProtocol
import Synchronization
import TLSTestSupport
import Testing
import TransportTestSupport

@testable import Transport

@Suite("TCPForwarder")
struct TCPForwarderTests {
    /// A plain listener forwarding to `127.0.0.1:upstreamPort`; failures go to `errors`. `accepted` sees each client
    /// connection on its loop before the forwarder does.
    private func forward(
        to upstreamPort: Int?, group: EventLoopGroup, connectTimeout: Duration = .seconds(10), errors: Recorder,
        accepted: @escaping @Sendable (TCPConnection) -> Void = { _ in }
    ) throws -> TCPListener {
        let forwarder = TCPForwarder(connectTimeout: connectTimeout, onError: { errors.record("\($0)") }) { _ in
            upstreamPort.map { ("127.0.0.1", $0) }
        }
        return try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { connection in
            accepted(connection)
            return forwarder.makeHandler(for: connection)
        }
    }

    /// An upstream that decodes the PROXY header (logged as `header <source> -> <destination>`), then logs each read
    /// (`read <count>`) and echoes it unless `echo` is off; logs `closed` when the forwarder closes it.
    private static func decodingUpstream(log: Recorder, echo: Bool = true) -> TestHandler {
        let handler = TestHandler()
        let headerSeen = LoopLocal(false)
        handler.onRead = { connection, buffer in
            if !headerSeen.value {
                let decoded = buffer.withReadableBytes { raw in
                    Result { () throws(ProxyProtocolError) in try ProxyHeader.decode(raw) }
                }
                switch decoded {
                case .failure(let error):
                    log.record("bad header: \(error)")
                    connection.abort()
                    return
                case .success(nil):
                    return
                case .success(let (header, length)?):
                    headerSeen.value = true
                    buffer.moveReaderIndex(forwardBy: length)
                    log.record(
                        "header \(header.source.map { "\($0.host):\($0.port)" } ?? "-") -> "
                            + "\(header.destination.map { "\($0.host):\($0.port)" } ?? "-")")
                }
            }
            log.record("read \(buffer.readableBytes)")
            if echo { connection.write { $0.writeBuffer(buffer) } }
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        }
        handler.onClosed = { _ in log.record("closed") }
        return handler
    }

    /// Whether `bytes` are the stream that repeats `pattern`'s first `period` bytes, from stream offset `position`
    /// (`pattern` runs 64 KiB past `period`, so each comparison is one `memcmp`).
    private static func matches(_ bytes: [UInt8], pattern: [UInt8], period: Int, at position: Int) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let start = (position + offset) % period
            let run = min(bytes.count - offset, pattern.count - period)
            let same = bytes.withUnsafeBytes { got in
                pattern.withUnsafeBytes { memcmp(got.baseAddress! + offset, $0.baseAddress! + start, run) == 0 }
            }
            guard same else { return false }
            offset += run
        }
        return true
    }

    private static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
    }

    @Test("bytes flow both ways behind a PROXY header naming the client and the address it connected to")
    func forwardsBothWays() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let log = Recorder()
        let upstream = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in
            Self.decodingUpstream(log: log)
        }
        let errors = Recorder()
        let listener = try forward(to: upstream.localAddress.port, group: group, errors: errors)
        let client = try TestClient(port: listener.localAddress.port)
        try client.send("hello")
        #expect(try client.receiveString(5) == "hello")
        let payload = Self.pattern(3 * 1024 * 1024 + 17)
        try client.send(payload)
        let echoed = try client.receive(payload.count) == payload
        #expect(echoed)
        #expect(log.all.first == "header 127.0.0.1:\(client.localPort) -> 127.0.0.1:\(listener.localAddress.port)")
        #expect(!log.all.contains { $0.hasPrefix("bad header") })
        #expect(errors.all.isEmpty)
    }

    @Test(
        "64 MiB from the upstream through a slow reader: the forwarder holds at most the high watermark plus one read")
    func backpressure() throws {
        let total = 64 * 1024 * 1024
        let period = 65_521
        let pattern = (0..<(period + 65_536)).map {
            UInt8(truncatingIfNeeded: ($0 % period) &* 31 &+ ($0 % period) >> 7)
        }
        let producerBlocked = Atomic<Bool>(false)
        let forwarderBlocked = Atomic<Bool>(false)
        let maxHeld = Atomic<Int>(0)

        let upstreamGroup = try EventLoopGroup(threads: 1)
        defer { upstreamGroup.shutdown() }
        let upstream = try TCPListener.bind(host: "127.0.0.1", port: 0, group: upstreamGroup) { _ in
            let handler = TestHandler()
            let offset = LoopLocal(0)
            // Writes until the connection is not writable, then looks again after the flush: a connection that
            // drains within its flush reports no change, one still full reports it when it drains.
            func produce(_ connection: TCPConnection) {
                while connection.isWritable && offset.value < total {
                    let count = min(65_536, total - offset.value)
                    let start = offset.value % period
                    connection.write { $0.writeBytes(pattern[start..<(start + count)]) }
                    offset.value += count
                }
                producerBlocked.store(offset.value < total, ordering: .relaxed)
                guard offset.value < total else {
                    connection.close()
                    return
                }
                connection.eventLoop.scheduleTimer(after: .zero) { if connection.isWritable { produce(connection) } }
            }
            handler.onActive = { produce($0) }
            handler.onWritabilityChanged = { connection in if connection.isWritable { produce(connection) } }
            handler.onRead = { _, buffer in buffer.moveReaderIndex(forwardBy: buffer.readableBytes) }
            return handler
        }

        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let errors = Recorder()
        let listener = try forward(to: upstream.localAddress.port, group: group, errors: errors) { client in
            // Samples what the forwarder holds for the client every millisecond while it is open.
            func sample() {
                guard client.isOpen else { return }
                let held = client.pendingWriteBytes
                if held > maxHeld.load(ordering: .relaxed) { maxHeld.store(held, ordering: .relaxed) }
                forwarderBlocked.store(!client.isWritable, ordering: .relaxed)
                client.eventLoop.scheduleTimer(after: .milliseconds(1)) { sample() }
            }
            sample()
        }

        let client = try TestClient(port: listener.localAddress.port)
        var received = 0
        var intact = true
        while received < total {
            if received % (16 * 1024 * 1024) == 0 && received <= 32 * 1024 * 1024 {
                // The reader stops: the producer must end up held back, with the forwarder above its watermark.
                let stalled = waitUntil {
                    producerBlocked.load(ordering: .relaxed) && forwarderBlocked.load(ordering: .relaxed)
                }
                #expect(stalled, "after \(received) bytes read")
            }
            let bytes = try client.receive(min(1024 * 1024, total - received))
            intact = intact && Self.matches(bytes, pattern: pattern, period: period, at: received)
            received += bytes.count
        }
        try client.awaitClose()
        #expect(intact)
        #expect(maxHeld.load(ordering: .relaxed) <= TCPConnection.highWatermark + 4 * 64 * 1024)
        #expect(errors.all.isEmpty)
    }
    @Test("a refused upstream connect closes the client and is reported once")
    func upstreamRefused() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let closed = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in nil }
        let port = closed.localAddress.port
        closed.close()
        #expect(waitUntil { (try? TestClient(port: port)) == nil })
        let errors = Recorder()
        let listener = try forward(to: port, group: group, errors: errors)
        let client = try TestClient(port: listener.localAddress.port)
        try client.send("hello")
        try client.awaitClose()
        #expect(waitUntil { !errors.all.isEmpty })
        #expect(runOnLoop(group.loops[0]) {} && runOnLoop(group.loops[1]) {})
        #expect(
            errors.all == ["forwarding 127.0.0.1:\(client.localPort): connect to 127.0.0.1:\(port): Connection refused"]
        )
    }

    @Test("an upstream connect that does not complete in time closes the client and is reported once")
    func upstreamTimeout() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let stalled = try StalledListener()
        let errors = Recorder()
        let listener = try forward(to: stalled.port, group: group, connectTimeout: .milliseconds(200), errors: errors)
        let client = try TestClient(port: listener.localAddress.port)
        try client.awaitClose()
        #expect(waitUntil { !errors.all.isEmpty })
        #expect(
            errors.all == [
                "forwarding 127.0.0.1:\(client.localPort): connect to 127.0.0.1:\(stalled.port): not connected within "
                    + "0.2 seconds"
            ])
    }

    @Test("no upstream for a client closes it at once")
    func noUpstream() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let errors = Recorder()
        let listener = try forward(to: nil, group: group, errors: errors)
        let client = try TestClient(port: listener.localAddress.port)
        try client.awaitClose()
        #expect(errors.all.isEmpty)
    }

    @Test("the upstream closing closes the client once it received everything the upstream sent")
    func upstreamCloses() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let payload = Self.pattern(3 * 1024 * 1024)
        let upstream = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in
            // Answers the PROXY header with the payload and closes (a server closing before reading what was sent
            // to it would reset the connection instead).
            let handler = TestHandler()
            handler.onRead = { connection, buffer in
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                connection.write { $0.writeBytes(payload) }
                connection.close()
            }
            return handler
        }
        let errors = Recorder()
        let listener = try forward(to: upstream.localAddress.port, group: group, errors: errors)
        let client = try TestClient(port: listener.localAddress.port)
        let received = try client.receiveUntilEnd()
        #expect(received.count == payload.count)
        let intact = received == payload
        #expect(intact)
        #expect(errors.all.isEmpty)
    }

    @Test("the client closing closes the upstream once it received everything the client sent")
    func clientCloses() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let log = Recorder()
        let upstream = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in
            Self.decodingUpstream(log: log, echo: false)
        }
        let errors = Recorder()
        let listener = try forward(to: upstream.localAddress.port, group: group, errors: errors)
        do {
            let client = try TestClient(port: listener.localAddress.port)
            try client.send("ping")
            #expect(waitUntil { log.contains("read 4") })
            try client.send(Self.pattern(2 * 1024 * 1024))
        }
        #expect(waitUntil { log.contains("closed") })
        let relayed: Int = log.all.compactMap { $0.hasPrefix("read ") ? Int($0.dropFirst(5)) : nil }.reduce(0, +)
        #expect(relayed == 4 + 2 * 1024 * 1024)
        #expect(log.all.last == "closed")
    }

    @Test("bytes the client sends while the upstream connect is in progress follow the header once it completes")
    func bytesBeforeConnect() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let stalled = try StalledListener()
        let errors = Recorder()
        let received = LoopLocal<TCPConnection?>(nil)
        let listener = try forward(to: stalled.port, group: group, errors: errors) { received.value = $0 }
        let client = try TestClient(port: listener.localAddress.port)
        let early = Self.pattern(100 * 1024)
        try client.send(early)
        // Once the forwarder took in the pending limit, let the connect through.
        #expect(
            waitUntil {
                let taken = Atomic<UInt64>(0)
                _ = runOnLoop(group.loops[0]) { taken.store(received.value?.bytesReceived ?? 0, ordering: .relaxed) }
                return taken.load(ordering: .relaxed) >= UInt64(TCPForwarder.pendingLimit)
            })
        _ = try stalled.accept()
        let upstream = try stalled.accept()
        let header = try #require(
            ProxyHeader(
                source: .init(host: "127.0.0.1", port: UInt16(client.localPort)),
                destination: .init(host: "127.0.0.1", port: UInt16(listener.localAddress.port))
            ).encoded())
        #expect(try upstream.receive(header.count) == header)
        let relayed = try upstream.receive(early.count) == early
        #expect(relayed)
        try upstream.send("reply")
        #expect(try client.receiveString(5) == "reply")
        #expect(errors.all.isEmpty)
    }

    @Test("end to end: a PROXY-trusting listener behind the forwarder, plain and TLS, sees the client's address")
    func endToEnd() throws {
        let pki = try TestPKI()
        let server = try pki.issue("leader")
        let context = try TLSContext(
            configuration: TLSConfiguration(certificateChainPath: server.certificate, privateKeyPath: server.key))
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let log = Recorder()
        let errors = Recorder()
        let trust = try ProxyTrust(trustedHosts: ["127.0.0.1"])
        let leaders = try [nil, context].map { tls in
            try TCPListener.bind(
                host: "127.0.0.1", port: 0, group: group, tls: tls, proxyProtocol: trust,
                onError: { errors.record("\($0)") }
            ) { _ in
                let handler = TestHandler.echo()
                handler.onActive = { log.record("\($0.remoteAddress) tls=\($0.isTLS)") }
                return handler
            }
        }
        let plainForwarder = try forward(to: leaders[0].localAddress.port, group: group, errors: errors)
        let tlsForwarder = try forward(to: leaders[1].localAddress.port, group: group, errors: errors)

        let plain = try TestClient(port: plainForwarder.localAddress.port)
        try plain.send("plain")
        #expect(try plain.receiveString(5) == "plain")
        let secure = try TLSTestClient(port: tlsForwarder.localAddress.port, trusting: pki.caCertificate)
        let payload = Self.pattern(4 * 1024 * 1024)
        try secure.send(payload)
        let echoed = try secure.receive(payload.count) == payload
        #expect(echoed)
        #expect(log.all == ["127.0.0.1:\(plain.localPort) tls=false", "127.0.0.1:\(secure.tcp.localPort) tls=true"])
        #expect(errors.all.isEmpty)
    }
}
