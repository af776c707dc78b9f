import Bytes
import Glibc
import Testing
import TransportTestSupport

@testable import Transport

@Suite("TCPConnector")
struct TCPConnectorTests {
    /// Starts a connect from `loop` (on its thread); failures are recorded as `failed <description>`.
    private func connect(
        host: String = "127.0.0.1", port: Int, on loop: EventLoop, timeout: Duration = .seconds(10), log: Recorder,
        handler: @escaping @Sendable () -> TestHandler
    ) -> LoopLocal<TCPConnector?> {
        let connector = LoopLocal<TCPConnector?>(nil)
        loop.execute {
            connector.value = TCPConnector.connect(
                host: host, port: port, on: loop, timeout: timeout, handler: handler()
            ) { error in
                log.record("failed \(error)")
            }
        }
        return connector
    }

    @Test("a connect completes into a connection whose handler is active, with the target as remote address")
    func connects() throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let server = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in TestHandler.echo() }
        let log = Recorder()
        let loop = group.loops[0]
        _ = connect(port: server.localAddress.port, on: loop, log: log) {
            let handler = TestHandler()
            handler.onActive = { connection in
                log.record("active \(connection.remoteAddress) on loop \(connection.eventLoop.inEventLoop)")
                connection.write { $0.writeBytes(Array("ping".utf8)) }
            }
            handler.onRead = { _, buffer in
                log.record("read \(String(decoding: buffer.readableBytesArray, as: UTF8.self))")
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
            return handler
        }
        #expect(waitUntil { log.contains("read ping") })
        #expect(log.all == ["active 127.0.0.1:\(server.localAddress.port) on loop true", "read ping"])
    }

    @Test("a refused connect reports ECONNREFUSED once; the handler is never called")
    func refused() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let closed = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in nil }
        let port = closed.localAddress.port
        closed.close()
        #expect(waitUntil { (try? TestClient(port: port)) == nil })
        let log = Recorder()
        _ = connect(port: port, on: group.loops[0], log: log) {
            let handler = TestHandler()
            handler.onActive = { _ in log.record("active") }
            return handler
        }
        #expect(waitUntil { !log.all.isEmpty })
        #expect(runOnLoop(group.loops[0]) {})
        #expect(log.all == ["failed connect to 127.0.0.1:\(port): Connection refused"])
    }

    @Test("a connect that does not complete fails at its deadline")
    func deadline() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let stalled = try StalledListener()
        let log = Recorder()
        _ = connect(port: stalled.port, on: group.loops[0], timeout: .milliseconds(200), log: log) { TestHandler() }
        #expect(waitUntil { !log.all.isEmpty })
        #expect(log.all == ["failed connect to 127.0.0.1:\(stalled.port): not connected within 0.2 seconds"])
    }

    @Test("a host name or a bad port is refused without blocking the loop, after connect returned")
    func notNumeric() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let log = Recorder()
        let loop = group.loops[0]
        loop.execute {
            TCPConnector.connect(host: "localhost", port: 1, on: loop, timeout: .seconds(1), handler: TestHandler()) {
                log.record("\($0)")
            }
            TCPConnector.connect(host: "::1", port: 70_000, on: loop, timeout: .seconds(1), handler: TestHandler()) {
                log.record("\($0)")
            }
            log.record("returned")
        }
        #expect(waitUntil { log.all.count == 3 })
        #expect(
            log.all == [
                "returned", "connect to localhost:1: not a numeric IPv4 or IPv6 address",
                "connect to [::1]:70000: port out of range 0...65535",
            ])
    }

    @Test("cancel() abandons a connect in progress: no callback, even past the deadline")
    func cancel() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let stalled = try StalledListener()
        let log = Recorder()
        let loop = group.loops[0]
        let connector = connect(port: stalled.port, on: loop, timeout: .milliseconds(100), log: log) {
            let handler = TestHandler()
            handler.onActive = { _ in log.record("active") }
            return handler
        }
        #expect(runOnLoop(loop) { connector.value?.cancel() })
        loop.execute { loop.scheduleTimer(after: .milliseconds(300)) { log.record("later") } }
        #expect(waitUntil { log.contains("later") })
        #expect(log.all == ["later"])
    }

    @Test("a connect in progress when the group shuts down fails with the loop stopping")
    func shutdown() throws {
        let group = try EventLoopGroup(threads: 1)
        let stalled = try StalledListener()
        let log = Recorder()
        _ = connect(port: stalled.port, on: group.loops[0], log: log) { TestHandler() }
        #expect(runOnLoop(group.loops[0]) {})
        group.shutdown()
        #expect(log.all == ["failed connect to 127.0.0.1:\(stalled.port): the event loop stopped"])
    }

    @Test("SocketAddress.resolve keeps literals and resolves names; an unknown name throws")
    func resolve() throws {
        #expect(
            try SocketAddress.resolve(host: "192.0.2.1", port: 5672) == SocketAddress(host: "192.0.2.1", port: 5672))
        #expect(try SocketAddress.resolve(host: "localhost", port: 1).isLoopback)
        #expect(throws: TransportError.self) { try SocketAddress.resolve(host: "no-such-host.invalid", port: 1) }
    }
}
