import AMQPValues
import Bytes
import CLinux
import COpenSSL
import MQTTCodec
import WebSocketCodec

#if canImport(Glibc)
import Glibc
#endif

/// Thousands of idle MQTT clients on one thread: non-blocking sockets watched by one level-triggered epoll.
///
/// Each client goes TCP connect → (with `--tls`, a non-blocking TLS handshake driven by the same epoll) →
/// CONNECT → CONNACK → idle, with at most `concurrency` clients between the
/// first and the last step at any time (and, with a rate, a new one started every 1/rate s), so a broker's
/// listen backlog is never the thing measured. Idle clients send PINGREQ after half the keepalive, read and
/// drop what the broker sends (PINGRESP), and count as dropped when the broker closes them.
/// A client that does not reach CONNACK within the connect timeout counts as failed, with its reason.
final class IdleClientPool {
    private let options: MQTTConnectionsOptions
    private var clients: [IdleClient]
    private let epoll: Epoll
    private var address = sockaddr_storage()
    private var addressLength = socklen_t(0)
    private let scratch = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
    private let pingRequest: [UInt8]
    private let disconnectPacket: [UInt8]
    private var inFlight = 0
    private var lastFinish: UInt64 = 0
    /// With `--tls`: the client context every connection's session comes from.
    private let tls: TLSClientContext?
    private var firstConnect: UInt64 = 0
    private var lastHandshake: UInt64 = 0

    /// Completed TLS handshakes (0 without `--tls`).
    private(set) var handshakes = 0
    /// Seconds from the first TCP connect to the last completed TLS handshake.
    var handshakeSeconds: Double { handshakes > 0 ? Double(lastHandshake - firstConnect) / 1e9 : 0 }

    /// Clients the broker accepted.
    private(set) var connected = 0
    /// Clients that never got accepted.
    private(set) var failed = 0
    /// Accepted clients the broker closed later.
    private(set) var dropped = 0
    /// Why clients failed or were dropped, with how many each.
    private(set) var reasons: [String: Int] = [:]

    /// Resolves the broker's address and, with `--tls`, loads the TLS settings.
    /// - Throws: `PerfError.connect` for an unknown host, `PerfError.tls` for a bad certificate file.
    init(options: MQTTConnectionsOptions) throws(PerfError) {
        self.options = options
        tls = options.uri.tls ? try TLSClientContext(options: options.tls, use: .idleClients) : nil
        clients = Array(repeating: IdleClient(), count: options.count)
        epoll = try Epoll()
        let rc = gw_resolve(options.uri.host, Int32(options.uri.port), &address, &addressLength)
        guard rc == 0 else {
            throw .connect(address: "\(options.uri.host):\(options.uri.port)", reason: String(cString: gai_strerror(rc)))
        }
        let framed = options.webSocketPath != nil
        pingRequest = Self.encode(.pingReq, version: options.protocolVersion, framed: framed)
        disconnectPacket = Self.encode(
            .disconnect(MQTTPacket.Disconnect()), version: options.protocolVersion, framed: framed)
    }

    deinit {
        for client in clients where client.phase == .connected || client.isInFlight {
            if let session = client.tls { SSL_free(session) }
            _ = close(client.fd)
        }
        scratch.deallocate()
    }

    /// Opens every client and returns the seconds from the first connect to the last CONNACK (or failure).
    /// Prints progress to stderr every second.
    func connectAll() -> Double {
        let start = Nanoseconds.now()
        lastFinish = start
        firstConnect = start
        let timeout = UInt64(options.connectTimeoutSeconds * 1e9)
        var next = 0
        var lastSweep = start
        var nextProgress = start + 1_000_000_000
        while connected + failed < clients.count {
            var now = Nanoseconds.now()
            while next < clients.count, inFlight < options.concurrency {
                if options.rate > 0, Double(next) >= Double(now - start) * options.rate / 1e9 + 1 { break }
                open(next, now: now)
                next += 1
            }
            var waitMilliseconds: Int32 = 100
            if options.rate > 0, next < clients.count, inFlight < options.concurrency {
                let due = start + UInt64(Double(next) * 1e9 / options.rate)
                waitMilliseconds = due > now ? Int32(min(100, (due - now) / 1_000_000)) : 0
            }
            epoll.wait(milliseconds: waitMilliseconds)
            handleEvents()
            now = Nanoseconds.now()
            if now - lastSweep >= 100_000_000 {
                sweep(now: now, connectTimeout: timeout)
                lastSweep = now
            }
            if now >= nextProgress {
                StandardError.print(
                    "[\(((Double(now - start) / 1e9).formatted(decimals: 0) + "s]").padding(5))connected \(connected), "
                        + "failed \(failed), in flight \(inFlight)")
                nextProgress += 1_000_000_000
            }
        }
        return Double(lastFinish - start) / 1e9
    }

    /// Keeps the clients open until `deadline` (monotonic ns), answering the keepalive.
    func hold(until deadline: UInt64) {
        let timeout = UInt64(options.connectTimeoutSeconds * 1e9)
        while true {
            let now = Nanoseconds.now()
            guard now < deadline else { return }
            sweep(now: now, connectTimeout: timeout)
            epoll.wait(milliseconds: Int32(min(100, (deadline - now) / 1_000_000 + 1)))
            handleEvents()
        }
    }

    /// Sends DISCONNECT on every open client and closes it.
    func closeAll() {
        for i in clients.indices where clients[i].phase == .connected {
            _ = transmit(i, disconnectPacket)
            release(i)
            clients[i].phase = .closed
        }
    }

    // MARK: - Steps

    /// Starts the TCP connect of client `i`.
    private func open(_ i: Int, now: UInt64) {
        let fd = gw_socket_stream(Int32(address.ss_family))
        guard fd >= 0 else {
            let reason = errno == EMFILE || errno == ENFILE ? "out of file descriptors (\(StandardError.describe(errno: errno)))" : "socket: \(StandardError.describe(errno: errno))"
            record(failure: reason, now: now)
            clients[i].phase = .failed
            return
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, addressLength) }
        }
        guard rc == 0 || errno == EINPROGRESS else {
            let reason =
                errno == EADDRNOTAVAIL
                ? "out of local ports (EADDRNOTAVAIL; see net.ipv4.ip_local_port_range)"
                : "connect: \(StandardError.describe(errno: errno))"
            _ = close(fd)
            record(failure: reason, now: now)
            clients[i].phase = .failed
            return
        }
        clients[i].fd = fd
        clients[i].startedAt = now
        clients[i].phase = .connecting
        inFlight += 1
        guard epoll.add(fd, interest: Epoll.writable | Epoll.failure, tag: UInt64(i)) else {
            fail(i, "epoll_ctl: \(StandardError.describe(errno: errno))")
            return
        }
    }

    private func handleEvents() {
        for e in 0..<epoll.count {
            let i = Int(epoll.tag(at: e))
            let bits = epoll.events(at: e)
            switch clients[i].phase {
            case .connecting: finishConnect(i, bits: bits)
            case .handshaking: continueHandshake(i)
            case .upgrading: readUpgrade(i)
            case .awaitingConnAck: readConnAck(i)
            case .connected: readIdle(i)
            case .waiting, .failed, .closed: break
            }
        }
    }

    /// The TCP connect of client `i` completed or failed: start the TLS handshake, or send CONNECT.
    private func finishConnect(_ i: Int, bits: UInt32) {
        let fd = clients[i].fd
        let error = gw_socket_error(fd)
        guard error == 0, bits & Epoll.writable != 0 else {
            fail(i, error != 0 ? "connect: \(StandardError.describe(errno: error))" : "connect: the broker closed the connection")
            return
        }
        guard let tls else {
            startMQTT(i)
            return
        }
        do {
            clients[i].tls = try tls.makeSession(fd: fd, host: options.uri.host)
        } catch {
            fail(i, error.description)
            return
        }
        clients[i].phase = .handshaking
        continueHandshake(i)
    }

    /// Advances the TLS handshake of client `i` as far as the socket allows; once done, sends CONNECT.
    private func continueHandshake(_ i: Int) {
        guard let session = clients[i].tls else { return }
        ERR_clear_error()
        let result = SSL_connect(session)
        if result == 1 {
            handshakes += 1
            lastHandshake = Nanoseconds.now()
            startMQTT(i)
            return
        }
        let interest: UInt32
        switch SSL_get_error(session, result) {
        case SSL_ERROR_WANT_READ: interest = Epoll.readable
        case SSL_ERROR_WANT_WRITE: interest = Epoll.writable | Epoll.failure
        default:
            fail(i, "TLS handshake: \(TLSClientContext.handshakeFailure(session, result: result))")
            return
        }
        guard epoll.modify(clients[i].fd, interest: interest, tag: UInt64(i)) else {
            fail(i, "epoll_ctl: \(StandardError.describe(errno: errno))")
            return
        }
    }

    /// Client `i` is connected (and through its TLS handshake): with `--ws` open the WebSocket first, else send
    /// CONNECT.
    private func startMQTT(_ i: Int) {
        guard let path = options.webSocketPath else { return sendConnect(i) }
        var rng = SystemRandomNumberGenerator()
        let key = Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let request = Array(
            ("GET \(path) HTTP/1.1\r\nHost: \(options.uri.host):\(options.uri.port)\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: mqtt\r\n\r\n").utf8)
        if let failure = transmit(i, request) {
            fail(i, "sending the WebSocket handshake: \(failure)")
            return
        }
        clients[i].phase = .upgrading
        guard epoll.modify(clients[i].fd, interest: Epoll.readable, tag: UInt64(i)) else {
            fail(i, "epoll_ctl: \(StandardError.describe(errno: errno))")
            return
        }
    }

    /// Bytes of the WebSocket handshake's answer arrived for client `i`: once the head is complete, a 101 goes on to
    /// CONNECT.
    private func readUpgrade(_ i: Int) {
        switch receive(i) {
        case .bytes(let n): clients[i].partial += UnsafeRawBufferPointer(start: scratch, count: n)
        case .nothing: return
        case .closed:
            fail(i, "the broker closed the connection during the WebSocket handshake")
            return
        case .failed(let reason):
            fail(i, reason)
            return
        }
        let head = clients[i].partial
        guard head.count >= 4, head.suffix(4) == [13, 10, 13, 10] else {
            if head.count > 4096 { fail(i, "WebSocket handshake answer longer than 4 KiB") }
            return
        }
        clients[i].partial = []
        guard head.starts(with: Array("HTTP/1.1 101".utf8)) else {
            fail(i, "WebSocket upgrade refused: \(String(decoding: head.prefix { $0 != 13 }, as: UTF8.self))")
            return
        }
        sendConnect(i)
    }

    /// Client `i` is connected (and through its TLS and WebSocket handshakes): send CONNECT and wait for CONNACK.
    private func sendConnect(_ i: Int) {
        let fd = clients[i].fd
        let connect = MQTTPacket.Connect(
            protocolVersion: options.protocolVersion, cleanSession: options.cleanSession, keepAlive: options.keepAlive,
            clientId: ByteString("\(options.clientPrefix)idle-\(i + 1)"),
            username: options.uri.user.map { ByteString($0) }, password: options.uri.password.map { Array($0.utf8) })
        let bytes = Self.encode(
            .connect(connect), version: options.protocolVersion, framed: options.webSocketPath != nil)
        if let failure = transmit(i, bytes) {
            fail(i, "sending CONNECT: \(failure)")
            return
        }
        clients[i].lastSent = Nanoseconds.now()
        clients[i].phase = .awaitingConnAck
        guard epoll.modify(fd, interest: Epoll.readable, tag: UInt64(i)) else {
            fail(i, "epoll_ctl: \(StandardError.describe(errno: errno))")
            return
        }
    }

    /// Bytes arrived for client `i` before its CONNACK: decode it with `MQTTDecoder` once complete.
    private func readConnAck(_ i: Int) {
        let n: Int
        switch receive(i) {
        case .bytes(let count): n = count
        case .nothing: return
        case .closed:
            fail(i, "the broker closed the connection before CONNACK")
            return
        case .failed(let reason):
            fail(i, reason)
            return
        }
        var buffer = ByteBuffer(bytes: clients[i].partial)
        buffer.writeBytes(UnsafeRawBufferPointer(start: scratch, count: n))
        if options.webSocketPath != nil {
            // The CONNACK comes in one unmasked binary frame; its length fits the 7-bit form.
            guard let first = buffer.peekUInt8(), let second = buffer.peekUInt8(at: 1) else {
                clients[i].partial = buffer.readableBytesArray
                return
            }
            guard first == 0x82, second < 126 else {
                fail(i, "unexpected WebSocket frame before CONNACK: \(first) \(second)")
                return
            }
            guard buffer.readableBytes >= 2 + Int(second) else {
                clients[i].partial = buffer.readableBytesArray
                return
            }
            buffer.moveReaderIndex(forwardBy: 2)
        }
        let packet: MQTTPacket?
        do {
            packet = try MQTTDecoder.decode(&buffer, version: options.protocolVersion, maxPacketSize: 1024)
        } catch {
            fail(i, "malformed answer to CONNECT: \(error.code)")
            return
        }
        guard let packet else {
            clients[i].partial = buffer.readableBytesArray
            return
        }
        clients[i].partial = []
        guard case .connAck(let ack) = packet else {
            fail(i, "expected CONNACK, got \(packet.type)")
            return
        }
        guard ack.returnCode == .accepted else {
            fail(i, "refused with CONNACK \(ack.returnCode)")
            return
        }
        clients[i].phase = .connected
        inFlight -= 1
        connected += 1
        lastFinish = Nanoseconds.now()
    }

    /// Client `i` is idle: drop what the broker sends (PINGRESP); the broker closing it is a drop.
    private func readIdle(_ i: Int) {
        let reason: String
        switch receive(i) {
        case .bytes, .nothing: return
        case .closed: reason = "the broker closed an idle connection"
        case .failed(let why): reason = "idle connection: \(why)"
        }
        reasons[reason, default: 0] += 1
        dropped += 1
        release(i)
        clients[i].phase = .closed
    }

    /// Fails clients whose connect takes too long and sends PINGREQ on clients idle for half the keepalive.
    private func sweep(now: UInt64, connectTimeout: UInt64) {
        let pingAfter = UInt64(options.keepAlive) * 500_000_000
        for i in clients.indices {
            switch clients[i].phase {
            case .connecting, .handshaking, .awaitingConnAck:
                if now - clients[i].startedAt > connectTimeout {
                    let step =
                        switch clients[i].phase {
                        case .connecting: "TCP connect"
                        case .handshaking: "TLS handshake"
                        default: "CONNACK"
                        }
                    fail(i, "no \(step) within \(options.connectTimeoutSeconds.formatted(decimals: 1)) s")
                }
            case .connected where pingAfter > 0 && now - clients[i].lastSent >= pingAfter:
                _ = transmit(i, pingRequest)
                clients[i].lastSent = now
            default:
                break
            }
        }
    }

    /// Client `i` (in flight) failed for `reason`: close it and count it.
    private func fail(_ i: Int, _ reason: String) {
        if clients[i].isInFlight { inFlight -= 1 }
        release(i)
        clients[i].phase = .failed
        clients[i].partial = []
        record(failure: reason, now: Nanoseconds.now())
    }

    /// Frees the TLS session of client `i` and closes its socket.
    private func release(_ i: Int) {
        if let session = clients[i].tls {
            SSL_free(session)
            clients[i].tls = nil
        }
        epoll.remove(clients[i].fd)
        _ = close(clients[i].fd)
    }

    /// What one non-blocking read on a client gave.
    private enum ReadResult {
        case bytes(Int)
        /// Nothing to read now (or only TLS records that carried no data).
        case nothing
        /// The broker closed the connection.
        case closed
        case failed(String)
    }

    /// Reads what client `i` has into `scratch` without blocking, through its TLS session if it has one.
    private func receive(_ i: Int) -> ReadResult {
        guard let session = clients[i].tls else {
            let n = recv(clients[i].fd, scratch, 4096, Int32(MSG_DONTWAIT))
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .nothing }
            return .failed("recv: \(StandardError.describe(errno: errno))")
        }
        ERR_clear_error()
        let n = SSL_read(session, scratch, 4096)
        if n > 0 { return .bytes(Int(n)) }
        switch SSL_get_error(session, n) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .nothing
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
            return errno == 0 || errno == ECONNRESET ? .closed : .failed("recv: \(StandardError.describe(errno: errno))")
        case SSL_ERROR_SSL where TLSClientContext.isUnexpectedEOF():
            ERR_clear_error()
            return .closed
        default:
            return .failed("TLS: \(TLSClientContext.errorText(fallback: "bad TLS record"))")
        }
    }

    /// Sends all of `bytes` on client `i` without blocking (small packets: a full socket is a failure).
    /// Returns nil when sent, else why not.
    private func transmit(_ i: Int, _ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw in
            if let session = clients[i].tls {
                ERR_clear_error()
                let n = SSL_write(session, raw.baseAddress, Int32(raw.count))
                if Int(n) == raw.count { return nil }
                return SSL_get_error(session, n) == SSL_ERROR_WANT_WRITE
                    ? "socket full" : TLSClientContext.errorText(fallback: StandardError.describe(errno: errno))
            }
            let sent = gw_send(clients[i].fd, raw.baseAddress, raw.count)
            if sent == raw.count { return nil }
            return sent < 0 ? StandardError.describe(errno: errno) : "socket full"
        }
    }

    private func record(failure reason: String, now: UInt64) {
        failed += 1
        reasons[reason, default: 0] += 1
        lastFinish = now
    }

    /// `packet` as bytes, in a masked binary WebSocket frame when `framed`.
    private static func encode(_ packet: MQTTPacket, version: MQTTProtocolVersion, framed: Bool) -> [UInt8] {
        var buffer = ByteBuffer(capacity: 64)
        MQTTEncoder.encode(packet, version: version, into: &buffer)
        guard framed else { return buffer.readableBytesArray }
        var frame = ByteBuffer(capacity: buffer.readableBytes + 14)
        buffer.withReadableBytes { payload in
            WebSocketFrameEncoder.writeMaskedFrame(
                opcode: 0x2, payload: payload, key: UInt32.random(in: 1...UInt32.max), into: &frame)
        }
        return frame.readableBytesArray
    }
}
