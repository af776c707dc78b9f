import Glibc
import Testing
import TransportTestSupport
@testable import Transport

@Suite("TCPListener")
struct TCPListenerTests {
    @Test("port 0 binds an ephemeral port and reports it")
    func ephemeralPort() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in TestHandler.echo() }
        #expect(listener.localAddress.port > 0)
        #expect(listener.localAddress.host == "127.0.0.1")
        let client = try TestClient(port: listener.localAddress.port)
        try client.send("ok")
        #expect(try client.receiveString(2) == "ok")
    }

    @Test("binding a busy port throws a TransportError that says which address and why")
    func busyPort() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let first = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in nil }
        let port = first.localAddress.port
        let error = #expect(throws: TransportError.self) {
            _ = try TCPListener.bind(host: "127.0.0.1", port: port, group: group) { _ in nil }
        }
        #expect(error?.errno == EADDRINUSE)
        #expect(error?.description == "bind 127.0.0.1:\(port): Address already in use")
    }

    @Test("an unresolvable host throws a resolve error")
    func badHost() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let error = #expect(throws: TransportError.self) {
            _ = try TCPListener.bind(host: "no-such-host.invalid", port: 0, group: group) { _ in nil }
        }
        #expect(error?.operation == "resolve no-such-host.invalid")
    }

    @Test("IPv6 loopback binds and accepts")
    func ipv6() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let result = Result { () throws(TransportError) in
            try TCPListener.bind(host: "::1", port: 0, group: group) { _ in nil }
        }
        if case .failure(let error) = result, error.errno == EADDRNOTAVAIL || error.errno == EAFNOSUPPORT {
            return  // no IPv6 on this host
        }
        let listener = try result.get()
        #expect(listener.localAddress.host == "::1")
        #expect(listener.localAddress.description == "[::1]:\(listener.localAddress.port)")
    }

    @Test("a handler factory returning nil closes the socket")
    func declinedConnection() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in nil }
        let client = try TestClient(port: listener.localAddress.port)
        #expect(try client.receiveUntilEnd().isEmpty)
    }

    @Test("makeHandler runs on the loop that owns the connection, and connections spread over the loops")
    func handOffToLoops() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let log = Recorder()
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { connection in
            log.record(connection.eventLoop.inEventLoop ? "loop \(connection.eventLoop.index)" : "off loop")
            return TestHandler.echo()
        }
        var clients: [TestClient] = []
        for _ in 0..<4 {
            let client = try TestClient(port: listener.localAddress.port)
            try client.send("x")
            #expect(try client.receiveString(1) == "x")
            clients.append(client)
        }
        #expect(log.all.count == 4)
        #expect(Set(log.all) == ["loop 0", "loop 1"])
    }

    @Test("close() stops accepting; existing connections stay")
    func closeStopsAccepting() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in TestHandler.echo() }
        let port = listener.localAddress.port
        let existing = try TestClient(port: port)
        try existing.send("accepted")
        #expect(try existing.receiveString(8) == "accepted")
        listener.close()
        listener.close()
        #expect(waitUntil { (try? TestClient(port: port)) == nil })
        try existing.send("still")
        #expect(try existing.receiveString(5) == "still")
    }
}
