import Bytes
import Glibc
import ProxyProtocol
import Synchronization
import TLSTestSupport
import Testing
import TransportTestSupport

@testable import Transport

@Suite("PROXY headers on a listener")
struct ProxyHeaderReaderTests {
    /// A group and a loopback listener with `trust`; `onError` reports go to `errors`, every `makeHandler` call is
    /// logged as `make <remote address>` in `log`.
    private func serve(
        threads: Int = 2, trust: ProxyTrust, tls: TLSContext? = nil, errors: Recorder, log: Recorder,
        handler makeHandler: @escaping @Sendable (TCPConnection) -> TestHandler? = { _ in TestHandler.echo() }
    ) throws -> (EventLoopGroup, TCPListener) {
        let group = try EventLoopGroup(threads: threads)
        let listener = try TCPListener.bind(
            host: "127.0.0.1", port: 0, group: group, tls: tls, proxyProtocol: trust,
            onError: { errors.record("\($0)") }
        ) { connection in
            log.record("make \(connection.remoteAddress)")
            return makeHandler(connection)
        }
        return (group, listener)
    }

    private static func header(_ host: String, _ port: UInt16, to destination: String = "10.0.0.1") -> [UInt8] {
        ProxyHeader(source: .init(host: host, port: port), destination: .init(host: destination, port: 5672)).encoded()!
    }

    private static let local = ProxyHeader(source: nil, destination: nil).encoded()!

    @Test("a trusted peer's header names the client: the handler is made and active with that remote address")
    func headerSetsRemoteAddress() throws {
        let (errors, log) = (Recorder(), Recorder())
        let (group, listener) = try serve(trust: try ProxyTrust(trustedHosts: ["127.0.0.1"]), errors: errors, log: log)
        {
            _ in
            let handler = TestHandler.echo()
            handler.onActive = { log.record("active \($0.remoteAddress) -> \($0.localAddress) tls=\($0.isTLS)") }
            return handler
        }
        defer { group.shutdown() }
        let port = listener.localAddress.port
        let v4 = try TestClient(port: port)
        try v4.send(Self.header("192.0.2.10", 50_000) + Array("hello".utf8))
        #expect(try v4.receiveString(5) == "hello")
        let v6 = try TestClient(port: port)
        try v6.send(Self.header("2001:db8::7", 1, to: "2001:db8::1"))
        try v6.send("again")
        #expect(try v6.receiveString(5) == "again")
        let local = try TestClient(port: port)
        try local.send(Self.local + Array("ok".utf8))
        #expect(try local.receiveString(2) == "ok")
        #expect(
            log.all == [
                "make 192.0.2.10:50000", "active 192.0.2.10:50000 -> 127.0.0.1:\(port) tls=false",
                "make [2001:db8::7]:1", "active [2001:db8::7]:1 -> 127.0.0.1:\(port) tls=false",
                "make 127.0.0.1:\(local.localPort)",
                "active 127.0.0.1:\(local.localPort) -> 127.0.0.1:\(port) tls=false",
            ])
        #expect(errors.all.isEmpty)
    }

    @Test("a header split across several reads is put together; no handler exists before it is complete")
    func splitHeader() throws {
        let (errors, log) = (Recorder(), Recorder())
        let (group, listener) = try serve(threads: 1, trust: ProxyTrust { _ in true }, errors: errors, log: log)
        defer { group.shutdown() }
        let port = listener.localAddress.port
        // Both sockets are on the one loop: once the control's echo is back, the loop ran a turn after the subject's
        // latest piece arrived.
        let control = try TestClient(port: port)
        try control.send(Self.header("192.0.2.1", 1))
        let subject = try TestClient(port: port)
        let header = Self.header("198.51.100.7", 4242)
        var start = 0
        for end in [1, 5, 12, 13, 15, 16, 20, header.count] {
            try subject.send(Array(header[start..<end]))
            start = end
            try control.send("ping")
            #expect(try control.receiveString(4) == "ping")
            if end < header.count { #expect(log.all == ["make 192.0.2.1:1"], "after \(end) bytes") }
        }
        try subject.send("payload")
        #expect(try subject.receiveString(7) == "payload")
        #expect(log.all == ["make 192.0.2.1:1", "make 198.51.100.7:4242"])
        #expect(errors.all.isEmpty)
    }

    @Test("a connection from a trusted peer without a header is that host's own client, served as usual")
    func noHeaderFromTrustedPeer() throws {
        let (errors, log) = (Recorder(), Recorder())
        let (group, listener) = try serve(trust: ProxyTrust { _ in true }, errors: errors, log: log)
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.receiveString(27) == "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(log.all == ["make 127.0.0.1:\(client.localPort)"])
        #expect(errors.all.isEmpty)
    }

    @Test("a trusted peer sending the signature and then anything but a header is closed and reported")
    func garbageAfterSignature() throws {
        let (errors, log) = (Recorder(), Recorder())
        let (group, listener) = try serve(trust: ProxyTrust { _ in true }, errors: errors, log: log)
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        try client.send(ProxyHeader.signature + [0x99, 0, 0, 0])
        try client.awaitClose()
        #expect(waitUntil { !errors.all.isEmpty })
        #expect(errors.all.first?.hasPrefix("PROXY header from 127.0.0.1:\(client.localPort): ") == true)
        #expect(log.all.isEmpty)
    }

    @Test("a trusted peer that sends no complete header in time is closed and reported")
    func headerDeadline() throws {
        let (errors, log) = (Recorder(), Recorder())
        let trust = ProxyTrust(headerTimeout: .milliseconds(200)) { _ in true }
        let (group, listener) = try serve(trust: trust, errors: errors, log: log)
        defer { group.shutdown() }
        let silent = try TestClient(port: listener.localAddress.port)
        let slow = try TestClient(port: listener.localAddress.port)
        try slow.send(Array(Self.header("192.0.2.1", 1).prefix(20)))
        try silent.awaitClose()
        try slow.awaitClose()
        #expect(waitUntil { errors.all.count == 2 })
        #expect(
            Set(errors.all) == [
                "PROXY header from 127.0.0.1:\(silent.localPort): no complete header within 0.2 seconds",
                "PROXY header from 127.0.0.1:\(slow.localPort): no complete header within 0.2 seconds",
            ])
        #expect(log.all.isEmpty)
    }

    @Test("a peer closing after part of a header is reported; one closing before sending anything is not")
    func truncatedHeader() throws {
        let (errors, log) = (Recorder(), Recorder())
        let (group, listener) = try serve(threads: 1, trust: ProxyTrust { _ in true }, errors: errors, log: log)
        defer { group.shutdown() }
        _ = try TestClient(port: listener.localAddress.port)
        let port: Int
        do {
            let truncated = try TestClient(port: listener.localAddress.port)
            try truncated.send(Array(Self.header("192.0.2.1", 1).prefix(15)))
            port = truncated.localPort
        }
        #expect(waitUntil { !errors.all.isEmpty })
        #expect(runOnLoop(group.loops[0]) {})
        #expect(errors.all == ["PROXY header from 127.0.0.1:\(port): the peer closed before the header was complete"])
        #expect(log.all.isEmpty)
    }

    @Test("an untrusted peer's bytes reach the handler untouched, header included")
    func untrustedPeer() throws {
        let (errors, log) = (Recorder(), Recorder())
        let (group, listener) = try serve(trust: ProxyTrust { _ in false }, errors: errors, log: log)
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        let bytes = Self.header("192.0.2.10", 50_000) + Array("hello".utf8)
        try client.send(bytes)
        #expect(try client.receive(bytes.count) == bytes)
        #expect(log.all == ["make 127.0.0.1:\(client.localPort)"])
        #expect(errors.all.isEmpty)
    }

    @Test("makeHandler declining the connection once the header is read closes it")
    func declinedAfterHeader() throws {
        let (errors, log) = (Recorder(), Recorder())
        let (group, listener) = try serve(trust: ProxyTrust { _ in true }, errors: errors, log: log) { _ in nil }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        try client.send(Self.header("192.0.2.10", 50_000) + Array("hello".utf8))
        try client.awaitClose()
        #expect(log.all == ["make 192.0.2.10:50000"])
        #expect(errors.all.isEmpty)
    }

    @Test("on a TLS listener the header comes in clear before the ClientHello and is stripped below TLS")
    func headerBeforeTLS() throws {
        let pki = try TestPKI()
        let server = try pki.issue("server")
        let context = try TLSContext(
            configuration: TLSConfiguration(certificateChainPath: server.certificate, privateKeyPath: server.key))
        let (errors, log) = (Recorder(), Recorder())
        let (group, listener) = try serve(
            trust: ProxyTrust { _ in true }, tls: context, errors: errors, log: log
        ) { _ in
            let handler = TestHandler.echo()
            handler.onActive = { log.record("active \($0.remoteAddress) tls=\($0.isTLS)") }
            return handler
        }
        defer { group.shutdown() }
        let port = listener.localAddress.port
        let client = try TLSTestClient(
            port: port, trusting: pki.caCertificate, preface: Self.header("203.0.113.5", 40_000))
        try client.send("over TLS")
        #expect(try client.receiveString(8) == "over TLS")
        #expect(log.all == ["make 203.0.113.5:40000", "active 203.0.113.5:40000 tls=true"])

        let direct = try TLSTestClient(port: port, trusting: pki.caCertificate)
        try direct.send("direct")
        #expect(try direct.receiveString(6) == "direct", "a TLS client of the trusted host itself, without a header")
        #expect(log.all.count == 4 && log.all[2].hasPrefix("make 127.0.0.1:"))
        #expect(errors.all.isEmpty)
    }

    @Test(
        "hostile input from a trusted peer (random bytes, cut-short, oversized and malformed headers) closes only that connection"
    )
    func hostileInput() throws {
        let (errors, log) = (Recorder(), Recorder())
        let trust = ProxyTrust(headerTimeout: .seconds(30)) { _ in true }
        let (group, listener) = try serve(trust: trust, errors: errors, log: log)
        defer { group.shutdown() }
        let port = listener.localAddress.port
        let survivor = try TestClient(port: port)
        try survivor.send(Self.header("192.0.2.200", 200))

        var random = SplitMix64(seed: 0x5EED)
        let signature = ProxyHeader.signature
        var expectedErrors = 0
        var served = 0
        for round in 0..<300 {
            let valid = Self.header("192.0.2.\(round % 250)", UInt16(round))
            let bytes: [UInt8]
            switch round % 6 {
            case 0: bytes = (0..<random.next(upTo: 2000) + 1).map { _ in random.byte() }
            case 1: bytes = signature + (0..<random.next(upTo: 64)).map { _ in random.byte() }
            case 2: bytes = Array(valid.prefix(random.next(upTo: valid.count - 1) + 1))
            case 3:
                bytes = signature + [0x21, 0x11, 0xFF, 0xFF] + (0..<random.next(upTo: 200)).map { _ in random.byte() }
            case 4: bytes = signature + [0x21, random.byte(), 0x03, 0xF0] + [UInt8](repeating: 0, count: 100)
            default: bytes = signature + [random.byte(), random.byte(), 0x00, UInt8(random.next(upTo: 40))]
            }
            let outcome = bytes.withUnsafeBytes { raw in
                Result { () throws(ProxyProtocolError) in try ProxyHeader.decode(raw) }
            }
            let client = try TestClient(port: port)
            try client.send(bytes)
            if !zip(bytes, signature).allSatisfy({ $0 == $1 }) {
                // Not a header at all: a client of the trusted host itself, echoed as usual.
                #expect(try client.receive(bytes.count) == bytes)
                served += 1
                continue
            }
            switch outcome {
            case .failure:
                // Refused at once: the server closes.
                try client.awaitClose()
                expectedErrors += 1
            case .success(nil):
                // Waiting for the rest: the peer gives up.
                expectedErrors += 1
            case .success(_?):
                served += 1
                try client.send("x")
                #expect(try client.receiveString(1) == "x")
            }
            if round % 50 == 0 {
                let good = try TestClient(port: port)
                try good.send(valid + Array("alive".utf8))
                #expect(try good.receiveString(5) == "alive")
                served += 1
            }
        }
        #expect(waitUntil { errors.all.count == expectedErrors })
        #expect(errors.all.allSatisfy { $0.hasPrefix("PROXY header from 127.0.0.1:") })
        try survivor.send("still served")
        #expect(try survivor.receiveString(12) == "still served")
        #expect(log.all.count == served + 1)
    }
}

/// A small seeded generator, so a failing hostile input can be replayed.
private struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(upTo bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}
