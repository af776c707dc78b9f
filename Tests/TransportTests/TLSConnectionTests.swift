import Bytes
import COpenSSL
import Glibc
import TLSTestSupport
import Testing
import Transport
import TransportTestSupport

@Suite("TLS connections")
struct TLSConnectionTests {
    let pki: TestPKI
    let server: TestPKI.Identity

    init() throws {
        pki = try TestPKI()
        server = try pki.issue("server", serial: 4097)
    }

    /// A group and a TLS listener on an ephemeral loopback port; TLS failures are recorded in `errors`.
    private func serve(
        configure: (inout TLSConfiguration) -> Void = { _ in }, errors: Recorder = Recorder(),
        handler makeHandler: @escaping @Sendable () -> TestHandler = { TestHandler.echo() }
    ) throws -> (EventLoopGroup, TCPListener, TLSContext) {
        var configuration = TLSConfiguration(certificateChainPath: server.certificate, privateKeyPath: server.key)
        configure(&configuration)
        let context = try TLSContext(configuration: configuration)
        let group = try EventLoopGroup(threads: 2)
        let listener = try TCPListener.bind(
            host: "127.0.0.1", port: 0, group: group, tls: context, onError: { errors.record("\($0)") }
        ) { _ in makeHandler() }
        return (group, listener, context)
    }

    @Test("echo over TLS: messages and a 4 MiB transfer come back intact; the peer address is the TCP socket's")
    func echo() throws {
        let log = Recorder()
        let (group, listener, _) = try serve(handler: {
            let handler = TestHandler.echo()
            handler.onActive = { log.record("\($0.remoteAddress.isLoopback) \($0.remoteAddress.port)") }
            return handler
        })
        defer { group.shutdown() }
        let client = try TLSTestClient(port: listener.localAddress.port, trusting: pki.caCertificate)
        #expect(client.protocolVersion == "TLSv1.3")
        #expect(client.serverSerial == 4097)
        for message in ["hello", "world", String(repeating: "x", count: 20_000)] {
            try client.send(message)
            #expect(try client.receiveString(message.utf8.count) == message)
        }
        let size = 4 * 1024 * 1024
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
        try client.send(payload)
        #expect(try client.receive(size) == payload)
        #expect(log.all == ["true \(client.tcp.localPort)"])
    }

    @Test("garbage or a plain MQTT CONNECT instead of a ClientHello closes that connection; the listener keeps serving")
    func garbageClientHello() throws {
        let errors = Recorder()
        let reads = Recorder()
        let (group, listener, _) = try serve(errors: errors, handler: {
            let handler = TestHandler.echo()
            handler.onRead = { _, buffer in
                reads.record("read")
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
            return handler
        })
        defer { group.shutdown() }
        let mqttConnect: [UInt8] = [0x10, 0x10, 0, 4] + Array("MQTT".utf8) + [4, 2, 0, 60, 0, 4] + Array("test".utf8)
        for probe in [mqttConnect, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), [UInt8](repeating: 0x16, count: 300)] {
            let plain = try TestClient(port: listener.localAddress.port)
            try plain.send(probe)
            _ = try plain.receiveUntilEnd()
        }
        #expect(waitUntil { errors.all.count == 3 })
        #expect(errors.all.allSatisfy { $0.hasPrefix("TLS handshake with 127.0.0.1:") })
        #expect(!reads.contains("read"))

        let client = try TLSTestClient(port: listener.localAddress.port, trusting: pki.caCertificate)
        try client.send("still here")
        #expect(waitUntil { reads.contains("read") })
    }

    @Test("a TLS 1.1 client is refused when the minimum is 1.2 and served when the minimum is 1.1")
    func minimumVersion() throws {
        let errors = Recorder()
        let (group, listener, _) = try serve(errors: errors)
        defer { group.shutdown() }
        #expect(throws: TLSTestClient.Failure.self) {
            _ = try TLSTestClient(
                port: listener.localAddress.port, trusting: pki.caCertificate, maxVersion: TLS1_1_VERSION)
        }
        #expect(waitUntil { errors.all.count == 1 })
        #expect(errors.all.first?.contains("unsupported protocol") == true)

        let (legacyGroup, legacy, _) = try serve(configure: { $0.minimumVersion = "1.1" })
        defer { legacyGroup.shutdown() }
        let client = try TLSTestClient(
            port: legacy.localAddress.port, trusting: pki.caCertificate, maxVersion: TLS1_1_VERSION)
        #expect(client.protocolVersion == "TLSv1.1")
        try client.send("old")
        #expect(try client.receiveString(3) == "old")
    }

    @Test("mutual TLS: no client certificate or one from another CA is refused; a CA-signed one is served")
    func mutualTLS() throws {
        let errors = Recorder()
        let (group, listener, _) = try serve(
            configure: {
                $0.verifyPeer = true
                $0.caCertificatePath = pki.caCertificate
            }, errors: errors)
        defer { group.shutdown() }
        let port = listener.localAddress.port

        // With TLS 1.3 the client finishes its side before the server has checked its certificate; the refusal
        // arrives as an alert on the first read.
        for identity in [nil, try pki.selfSigned("stranger")] {
            #expect(throws: TLSTestClient.Failure.self) {
                let client = try TLSTestClient(port: port, trusting: pki.caCertificate, identity: identity)
                try client.send("ping")
                _ = try client.receive(4)
            }
        }
        #expect(waitUntil { errors.all.count == 2 })
        #expect(errors.all.first?.contains("certificate") == true)

        let client = try TLSTestClient(
            port: port, trusting: pki.caCertificate, identity: try pki.issue("client", serial: 77))
        try client.send("ping")
        #expect(try client.receiveString(4) == "ping")
    }

    @Test("reload(): a new connection sees the new certificate while an open one keeps working")
    func reloadSwapsCertificate() throws {
        let (group, listener, context) = try serve()
        defer { group.shutdown() }
        let port = listener.localAddress.port
        let old = try TLSTestClient(port: port, trusting: pki.caCertificate)
        #expect(old.serverSerial == 4097)

        try pki.replace(server, with: try pki.issue("renewed", serial: 8193))
        try context.reload()
        let new = try TLSTestClient(port: port, trusting: pki.caCertificate)
        #expect(new.serverSerial == 8193)
        try old.send("old")
        #expect(try old.receiveString(3) == "old")
        try new.send("new")
        #expect(try new.receiveString(3) == "new")
    }

    @Test("a failed reload keeps the current certificate")
    func failedReloadKeepsContext() throws {
        let (group, listener, context) = try serve()
        defer { group.shutdown() }
        #expect(unlink(server.key) == 0)
        #expect(throws: TLSError.self) { try context.reload() }
        let client = try TLSTestClient(port: listener.localAddress.port, trusting: pki.caCertificate)
        #expect(client.serverSerial == 4097)
    }

    @Test("close() sends the pending output, then close_notify")
    func closeSendsCloseNotify() throws {
        let (group, listener, _) = try serve(handler: {
            let handler = TestHandler()
            handler.onRead = { connection, buffer in
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                connection.write { $0.writeBytes(Array("bye".utf8)) }
                connection.close()
            }
            return handler
        })
        defer { group.shutdown() }
        let client = try TLSTestClient(port: listener.localAddress.port, trusting: pki.caCertificate)
        try client.send("quit")
        #expect(try client.receiveString(3) == "bye")
        #expect(client.receivedCloseNotify())
    }

    @Test("a handshake that does not complete is closed at the handshake deadline")
    func handshakeDeadline() throws {
        let errors = Recorder()
        let closed = Recorder()
        let (group, listener, _) = try serve(configure: { $0.handshakeTimeout = .milliseconds(200) }, errors: errors, handler: {
            let handler = TestHandler()
            handler.onClosed = { _ in closed.record("closed") }
            return handler
        })
        defer { group.shutdown() }
        let silent = try TestClient(port: listener.localAddress.port)
        #expect(try silent.receiveUntilEnd().isEmpty)
        #expect(waitUntil { closed.contains("closed") })
        #expect(errors.all.count == 1)
        #expect(errors.all.first?.contains("not completed within") == true)
    }
}
