import Bytes
import Glibc
import Synchronization
import Testing
import TransportTestSupport
@testable import Transport

@Suite("TCPConnection")
struct TCPConnectionTests {
    /// Starts a group and a loopback listener on an ephemeral port whose connections get `makeHandler()`.
    private func serve(
        threads: Int = 2, _ makeHandler: @escaping @Sendable () -> TestHandler
    ) throws -> (EventLoopGroup, TCPListener) {
        let group = try EventLoopGroup(threads: threads)
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group) { _ in makeHandler() }
        return (group, listener)
    }

    @Test("echo over loopback: bytes come back in order")
    func echo() throws {
        let (group, listener) = try serve { TestHandler.echo() }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        for message in ["hello", "world", String(repeating: "x", count: 1000)] {
            try client.send(message)
            #expect(try client.receiveString(message.utf8.count) == message)
        }
    }

    @Test("the connection counts the bytes it received and the bytes the kernel took for sending")
    func byteCounters() throws {
        let log = Recorder()
        let (group, listener) = try serve {
            let handler = TestHandler()
            handler.onRead = { connection, buffer in
                log.record("rx=\(connection.bytesReceived) tx=\(connection.bytesSent)")
                let bytes = buffer.readableBytesArray
                buffer.moveReaderIndex(forwardBy: bytes.count)
                connection.write { $0.writeBytes(bytes + bytes) }
            }
            return handler
        }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        for message in ["hello", "world!", "x"] {
            try client.send(message)
            #expect(try client.receiveString(2 * message.utf8.count) == message + message)
        }
        #expect(log.all == ["rx=5 tx=0", "rx=11 tx=10", "rx=12 tx=22"])
    }

    @Test("an 8 MiB echo survives partial writes and arrives intact")
    func largeTransfer() throws {
        let (group, listener) = try serve { TestHandler.echo() }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        let size = 8 * 1024 * 1024
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 13) }
        try client.send(payload)
        let echoed = try client.receive(size)
        #expect(echoed == payload)
    }

    @Test("the handler sees the active connection with loopback addresses and the client's port")
    func connectionAddresses() throws {
        let log = Recorder()
        let (group, listener) = try serve {
            let handler = TestHandler()
            handler.onActive = { connection in
                log.record("\(connection.remoteAddress.isLoopback) \(connection.remoteAddress.port)")
                log.record("\(connection.localAddress)")
                connection.write { $0.writeBytes(Array("hi".utf8)) }
            }
            return handler
        }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        #expect(try client.receiveString(2) == "hi")
        #expect(log.all == ["true \(client.localPort)", "127.0.0.1:\(listener.localAddress.port)"])
    }

    @Test("a partial frame stays in the buffer until the rest arrives")
    func partialFramesAccumulate() throws {
        let (group, listener) = try serve {
            let handler = TestHandler()
            // 2-byte big-endian length prefix, then the payload; echo whole frames only.
            handler.onRead = { connection, buffer in
                while let length = buffer.peekInteger(as: UInt16.self), buffer.readableBytes >= 2 + Int(length) {
                    buffer.moveReaderIndex(forwardBy: 2)
                    let frame = buffer.readBytes(Int(length))!
                    connection.write { $0.writeBytes(frame) }
                }
            }
            return handler
        }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        // "hello" and "ok" as frames, split across sends mid-payload and mid-length.
        for piece: [UInt8] in [[0, 5, 104, 101], [108], [108, 111, 0], [2, 111, 107]] {
            try client.send(piece)
        }
        #expect(try client.receiveString(7) == "hellook")
    }

    @Test("peer close -> connectionClosed exactly once, after the last read")
    func peerClose() throws {
        let log = Recorder()
        let (group, listener) = try serve(threads: 1) {
            let handler = TestHandler()
            handler.onRead = { _, buffer in
                log.record("read \(buffer.readableBytes)")
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
            handler.onClosed = { connection in log.record("closed open=\(connection.isOpen)") }
            return handler
        }
        defer { group.shutdown() }
        do {
            let client = try TestClient(port: listener.localAddress.port)
            try client.send("abc")
        }
        #expect(waitUntil { log.contains("closed open=false") })
        #expect(runOnLoop(group.loops[0]) {})
        #expect(log.all == ["read 3", "closed open=false"])
    }

    @Test("a connection closed by another's handler gets none of the events its socket had in the same batch")
    func closedEarlierInTheTurn() throws {
        let log = Recorder()
        let open = OpenConnections()
        let (group, listener) = try serve(threads: 1) {
            let handler = TestHandler()
            handler.onActive = { connection in
                open.list.append(connection)
                log.record("active")
            }
            handler.onRead = { connection, buffer in
                log.record("read \(buffer.readableBytes)")
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                for other in open.list where other !== connection && other.isOpen { other.abort() }
                // The aborted socket's fd number is free again: take it, as a new connection could.
                open.reusedFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            }
            handler.onClosed = { _ in log.record("closed") }
            return handler
        }
        defer { group.shutdown() }
        let a = try TestClient(port: listener.localAddress.port)
        let b = try TestClient(port: listener.localAddress.port)
        #expect(waitUntil { log.all == ["active", "active"] })
        let go = Atomic<Bool>(false)
        group.loops[0].execute {
            let deadline = ContinuousClock.now + .seconds(5)
            while !go.load(ordering: .relaxed) && ContinuousClock.now < deadline { sched_yield() }
        }
        try a.send("1")
        try b.send("22")
        go.store(true, ordering: .relaxed)
        #expect(waitUntil { log.all.count == 4 })
        #expect(runOnLoop(group.loops[0]) { if open.reusedFD >= 0 { close(open.reusedFD) } })
        #expect(log.all == ["active", "active", "read 1", "closed"] || log.all == ["active", "active", "read 2", "closed"])
    }

    @Test("close() from connectionRead flushes the reply, sends end of stream, and reports closed once")
    func serverClose() throws {
        let log = Recorder()
        let (group, listener) = try serve(threads: 1) {
            let handler = TestHandler()
            handler.onRead = { connection, buffer in
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                connection.write { $0.writeBytes(Array("bye".utf8)) }
                connection.close()
                connection.write { $0.writeBytes(Array("ignored".utf8)) }
                log.record("open=\(connection.isOpen)")
            }
            handler.onClosed = { _ in log.record("closed") }
            return handler
        }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        try client.send("quit")
        #expect(try client.receiveUntilEnd() == Array("bye".utf8))
        #expect(waitUntil { log.contains("closed") })
        #expect(runOnLoop(group.loops[0]) {})
        #expect(log.all == ["open=false", "closed"])
    }

    @Test("abort() drops pending output and reports closed once")
    func abortDropsOutput() throws {
        let log = Recorder()
        let (group, listener) = try serve(threads: 1) {
            let handler = TestHandler()
            handler.onRead = { connection, buffer in
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                connection.write { $0.writeBytes(Array("never sent".utf8)) }
                connection.abort()
                connection.abort()
            }
            handler.onClosed = { _ in log.record("closed") }
            return handler
        }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        try client.send("x")
        #expect(try client.receiveUntilEnd().isEmpty)
        #expect(waitUntil { log.contains("closed") })
        #expect(runOnLoop(group.loops[0]) {})
        #expect(log.count("closed") == 1)
    }

    @Test("runAtEndOfTurn runs after the turn's reads and before the flush")
    func endOfTurn() throws {
        let log = Recorder()
        let (group, listener) = try serve(threads: 1) {
            let handler = TestHandler()
            handler.onRead = { connection, buffer in
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                log.record("read")
                connection.write { $0.writeUInt8(UInt8(ascii: "r")) }
                connection.eventLoop.runAtEndOfTurn {
                    log.record("end pending=\(connection.pendingWriteBytes)")
                    connection.write { $0.writeUInt8(UInt8(ascii: "e")) }
                }
            }
            return handler
        }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port)
        try client.send("x")
        #expect(try client.receiveString(2) == "re")
        #expect(log.all == ["read", "end pending=1"])
    }

    @Test("writability turns false above the high watermark and back to true once the peer drains")
    func writability() throws {
        let log = Recorder()
        let size = 8 * 1024 * 1024
        let (group, listener) = try serve {
            let handler = TestHandler()
            handler.onActive = { connection in
                let chunk = [UInt8](repeating: 7, count: 64 * 1024)
                for _ in 0..<(size / chunk.count) {
                    connection.write { $0.writeBytes(chunk) }
                }
                log.record("after write: writable=\(connection.isWritable)")
            }
            handler.onWritabilityChanged = { connection in
                log.record("writable=\(connection.isWritable)")
            }
            return handler
        }
        defer { group.shutdown() }
        let client = try TestClient(port: listener.localAddress.port, receiveBufferSize: 16 * 1024)
        #expect(waitUntil { log.contains("writable=false") })
        #expect(!log.contains("writable=true"))
        let received = try client.receive(size)
        #expect(received.count == size && received.allSatisfy { $0 == 7 })
        #expect(waitUntil { log.contains("writable=true") })
        #expect(log.all == ["after write: writable=false", "writable=false", "writable=true"])
    }

    @Test("setReadingPaused stops connectionRead until resumed; buffered bytes are delivered after resuming")
    func readingPaused() throws {
        let log = Recorder()
        let paused = LoopLocal<TCPConnection?>(nil)
        let (group, listener) = try serve(threads: 1) {
            let handler = TestHandler()
            handler.onRead = { connection, buffer in
                let text = String(decoding: buffer.readableBytesArray, as: UTF8.self)
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                log.record("\(connection.remoteAddress.port) \(text)")
                switch text {
                case "pause":
                    connection.setReadingPaused(true)
                    paused.value = connection
                case "resume":
                    paused.value?.setReadingPaused(false)
                default:
                    break
                }
                connection.write { $0.writeBytes(Array(text.utf8)) }
            }
            return handler
        }
        defer { group.shutdown() }
        let subject = try TestClient(port: listener.localAddress.port)
        let control = try TestClient(port: listener.localAddress.port)
        try subject.send("pause")
        #expect(try subject.receiveString(5) == "pause")
        try subject.send("later")
        // Both sockets are on the one loop: once the control echo is back, a turn has run after "later" arrived.
        try control.send("ping")
        #expect(try control.receiveString(4) == "ping")
        #expect(!log.contains("\(subject.localPort) later"))
        try control.send("resume")
        #expect(try control.receiveString(6) == "resume")
        #expect(try subject.receiveString(5) == "later")
        #expect(log.all.filter { $0.hasPrefix("\(subject.localPort)") } == ["\(subject.localPort) pause", "\(subject.localPort) later"])
    }

    @Test("a TCPConnection instance fits jemalloc's 192-byte size class")
    func instanceSize() {
        // The instance size the Swift runtime allocates, from the class metadata.
        let size = unsafeBitCast(TCPConnection.self, to: UnsafeRawPointer.self).load(fromByteOffset: 24, as: UInt32.self)
        #expect(size <= 192, "TCPConnection instances take \(size) bytes")
    }

    @Test("shutdown closes open connections and tells their handlers")
    func shutdownClosesConnections() throws {
        let log = Recorder()
        let (group, listener) = try serve {
            let handler = TestHandler()
            handler.onActive = { _ in log.record("active") }
            handler.onClosed = { _ in log.record("closed") }
            return handler
        }
        let client = try TestClient(port: listener.localAddress.port)
        #expect(waitUntil { log.contains("active") })
        group.shutdown()
        #expect(log.all == ["active", "closed"])
        #expect(try client.receiveUntilEnd().isEmpty)
    }
}

/// The connections a test's handlers saw, touched only on the loop thread of a one-loop group.
private final class OpenConnections: @unchecked Sendable {
    var list: [TCPConnection] = []
    var reusedFD: Int32 = -1
}
