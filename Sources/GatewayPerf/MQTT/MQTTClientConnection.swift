import AMQPValues
import Bytes
import MQTTCodec
import WebSocketCodec

/// A blocking MQTT 3.1.1 client connection: what a publisher or subscriber thread drives.
///
/// It owns the socket, the received bytes (decoded by `MQTTDecoder`) and a buffer of control packets to send
/// (acknowledgements, PINGREQ, encoded by `MQTTEncoder`). Setup (CONNECT/CONNACK, SUBSCRIBE/SUBACK) runs
/// request/response; the hot loops read with `fill` and `nextPacket`, write their own pre-encoded batches
/// through `send`, and call `pingIfIdle` so the broker's keepalive timer (1.5 × keepalive without a packet
/// from the client [MQTT-3.1.2-24]) never fires on a subscriber that only receives.
///
/// Used by one thread at a time (main thread for setup, then its worker), hence `@unchecked Sendable`.
final class MQTTClientConnection: @unchecked Sendable {
    /// The largest packet accepted from the broker: anything four remaining-length bytes can express.
    static let maxPacketSize = MQTTEncoder.maxRemainingLength + 5
    /// How much one `fill` reads at most.
    private static let readChunk = 128 << 10

    let socket: TCPSocket
    /// What the connection is for, for error messages ("subscriber 2").
    let role: String
    /// Bytes received and not yet decoded.
    private var inbound = ByteBuffer(capacity: readChunk * 2)
    /// Control packets waiting for `flush`.
    private var outgoing = ByteBuffer(capacity: 4096)
    /// MQTT 3.1.1 or 5.0.
    let version: MQTTProtocolVersion
    /// Keepalive in nanoseconds (0 = off).
    private let keepAliveNanoseconds: UInt64
    /// When a packet was last written.
    private var lastSent: UInt64
    /// Over WebSocket: the server's frames as read, their decoder, and the masked frames being sent.
    private var webSocket: (raw: ByteBuffer, decoder: WebSocketFrameDecoder, out: ByteBuffer)?

    /// Connects (with `tls`, then runs the TLS handshake), sends CONNECT (MQTT 3.1.1) and waits for an
    /// accepting CONNACK.
    /// - Throws: `PerfError` when the broker is unreachable, fails the TLS handshake, refuses the client (with the
    ///   CONNACK code and a hint), or misbehaves.
    init(
        uri: MQTTURI, tls: TLSClientContext?, webSocketPath: String? = nil, version: MQTTProtocolVersion = .v3_1_1,
        topicAliasMaximum: UInt16 = 0, clientId: String, cleanSession: Bool, keepAlive: UInt16, role: String
    ) throws(PerfError) {
        self.role = role
        self.version = version
        socket = try TCPSocket.connect(host: uri.host, port: uri.port, timeoutSeconds: 5, tls: tls)
        socket.setTimeouts(milliseconds: 10_000)
        keepAliveNanoseconds = UInt64(keepAlive) * 1_000_000_000
        lastSent = Nanoseconds.now()
        if let webSocketPath { try upgrade(path: webSocketPath, host: "\(uri.host):\(uri.port)") }
        // On failure the instance is already complete, so deinit closes the socket.
        let connect = MQTTPacket.Connect(
            protocolVersion: version, cleanSession: cleanSession, keepAlive: keepAlive, clientId: ByteString(clientId),
            username: uri.user.map { ByteString($0) }, password: uri.password.map { Array($0.utf8) },
            properties: topicAliasMaximum > 0 ? [.topicAliasMaximum(topicAliasMaximum)] : [])
        let deadline = Nanoseconds.now() + 10_000_000_000
        enqueue(.connect(connect))
        try flush(deadline: deadline)
        let reply = try awaitPacket(deadline: deadline, waitingFor: "CONNACK")
        guard case .connAck(let ack) = reply else {
            throw .protocolViolation("expected CONNACK, got \(reply.type) (\(role))")
        }
        guard ack.returnCode == .accepted else {
            let hint =
                ack.returnCode == .badUsernameOrPassword || ack.returnCode == .notAuthorized
                ? " (check the user and password in --uri, or allow anonymous clients on the broker)" : ""
            throw .protocolViolation("the broker refused \(role): CONNACK \(ack.returnCode)\(hint)")
        }
        socket.setTimeouts(milliseconds: 100)
    }

    deinit { socket.close() }

    /// The WebSocket opening handshake (RFC 6455 §4.1) for `path`, subprotocol `mqtt`; bytes after the 101 answer
    /// are the first frames.
    private func upgrade(path: String, host: String) throws(PerfError) {
        var rng = SystemRandomNumberGenerator()
        let key = Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let request = Array(
            ("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n").utf8)
        let deadline = Nanoseconds.now() + 10_000_000_000
        var sent = 0
        while sent < request.count {
            let done = sent
            sent += try request.withUnsafeBytes { b in
                Result { () throws(PerfError) in try socket.send(b.baseAddress! + done, count: b.count - done) }
            }.get()
            if Nanoseconds.now() > deadline { throw .timeout("sending the WebSocket handshake (\(role))") }
        }
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = try chunk.withUnsafeMutableBytes { b in
                Result { () throws(PerfError) in try socket.receive(into: b.baseAddress!, count: b.count, wait: true) ?? 0 }
            }.get()
            head += chunk[..<n]
            if let end = Self.headerEnd(head) {
                guard head.starts(with: Array("HTTP/1.1 101".utf8)) else {
                    let line = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
                    throw .protocolViolation("the broker refused the WebSocket upgrade (\(role)): \(line)")
                }
                webSocket = (
                    ByteBuffer(bytes: head[end...]),
                    WebSocketFrameDecoder(
                        maxFrameSize: Self.maxPacketSize, maxMessageSize: Int.max, masked: false), ByteBuffer())
                return
            }
            if Nanoseconds.now() > deadline { throw .timeout("waiting for the WebSocket handshake (\(role))") }
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// Subscribes to `filter` at `qos` (packet identifier 1) and waits for the SUBACK.
    /// - Throws: `PerfError.protocolViolation` when the broker refuses the filter (return code 0x80).
    func subscribe(filter: String, qos: MQTTQoS) throws(PerfError) {
        let deadline = Nanoseconds.now() + 10_000_000_000
        enqueue(.subscribe(MQTTPacket.Subscribe(packetId: 1, subscriptions: [.init(filter: ByteString(filter), qos: qos)])))
        try flush(deadline: deadline)
        socket.setTimeouts(milliseconds: 10_000)
        defer { socket.setTimeouts(milliseconds: 100) }
        let reply = try awaitPacket(deadline: deadline, waitingFor: "SUBACK")
        guard case .subAck(let ack) = reply, ack.packetId == 1, ack.returnCodes.count == 1 else {
            throw .protocolViolation("expected SUBACK for packet 1, got \(reply.type) (\(role))")
        }
        guard ack.returnCodes[0] != MQTTPacket.SubAck.failure else {
            throw .protocolViolation("the broker refused the subscription to '\(filter)' (\(role)): SUBACK 0x80")
        }
        if ack.returnCodes[0] < qos.rawValue {
            StandardError.print(
                "gatewayperf: the broker granted QoS \(ack.returnCodes[0]) instead of \(qos.rawValue) to \(role)")
        }
    }

    /// Appends `packet` to the control packets `flush` sends.
    @inline(__always)
    func enqueue(_ packet: MQTTPacket) {
        MQTTEncoder.encode(packet, version: version, into: &outgoing)
    }

    /// Writes the control packets, waiting up to `deadline` (monotonic ns) for the broker to take them.
    /// - Throws: `PerfError.timeout` when the broker stops reading, or a socket error.
    func flush(deadline: UInt64) throws(PerfError) {
        guard outgoing.readableBytes > 0 else { return }
        let result = outgoing.withReadableBytes { bytes in
            Result { () throws(PerfError) in try sendAll(bytes, deadline: deadline) }
        }
        outgoing.clear()
        try result.get()
    }

    /// Sends what the socket takes of `count` bytes within its send timeout; returns how many it took.
    /// - Throws: `PerfError.disconnected` naming this connection's role, or a socket error.
    func send(_ bytes: UnsafeRawPointer, count: Int) throws(PerfError) -> Int {
        if webSocket != nil { return try sendFramed(bytes, count: count, opcode: 0x2) }
        do {
            let sent = try socket.send(bytes, count: count)
            if sent > 0 { lastSent = Nanoseconds.now() }
            return sent
        } catch .disconnected(let during) {
            throw .disconnected(during: "\(during) (\(role))")
        }
    }

    /// Over WebSocket: sends `count` bytes as one masked frame (binary, or pong), all of it (a frame cannot be cut).
    private func sendFramed(_ bytes: UnsafeRawPointer, count: Int, opcode: UInt8) throws(PerfError) -> Int {
        webSocket!.out.clear()
        WebSocketFrameEncoder.writeMaskedFrame(
            opcode: opcode, payload: UnsafeRawBufferPointer(start: bytes, count: count), key: UInt32.random(in: 0...UInt32.max),
            into: &webSocket!.out)
        let frame = webSocket!.out
        let deadline = Nanoseconds.now() + 10_000_000_000
        let result = frame.withReadableBytes { b in
            Result { () throws(PerfError) in
                var sent = 0
                while sent < b.count {
                    sent += try socket.send(b.baseAddress! + sent, count: b.count - sent)
                    if sent < b.count, Nanoseconds.now() > deadline {
                        throw .timeout("sending to the broker (\(role)): it stopped reading")
                    }
                }
            }
        }
        do { try result.get() } catch .disconnected(let during) { throw .disconnected(during: "\(during) (\(role))") }
        lastSent = Nanoseconds.now()
        return count
    }

    /// Sends every byte of `bytes`, waiting up to `deadline` (monotonic ns).
    func sendAll(_ bytes: UnsafeRawBufferPointer, deadline: UInt64) throws(PerfError) {
        var sent = 0
        while sent < bytes.count {
            sent += try send(bytes.baseAddress! + sent, count: bytes.count - sent)
            if sent < bytes.count, Nanoseconds.now() > deadline {
                throw .timeout("sending to the broker (\(role)): it stopped reading")
            }
        }
    }

    /// Queues a PINGREQ when nothing was sent for half the keepalive, so the broker never times the client out.
    func pingIfIdle(now: UInt64) {
        if keepAliveNanoseconds > 0, now - lastSent >= keepAliveNanoseconds / 2, outgoing.readableBytes == 0 {
            enqueue(.pingReq)
        }
    }

    /// Reads what the socket has into the receive buffer. With `wait`, blocks up to the socket timeout (100 ms
    /// after setup). Returns whether any bytes arrived.
    func fill(wait: Bool) throws(PerfError) -> Bool {
        if webSocket != nil { return try fillFramed(wait: wait) }
        inbound.discardReadBytes()
        guard try receive(into: &inbound, wait: wait) > 0 else { return false }
        socket.acknowledgeQuickly()
        return true
    }

    /// Appends what the socket has (up to `readChunk` bytes) to `buffer`; returns how many bytes arrived.
    private func receive(into buffer: inout ByteBuffer, wait: Bool) throws(PerfError) -> Int {
        var failure: PerfError?
        let count = buffer.writeWithUnsafeMutableBytes(maximum: Self.readChunk) { room in
            do throws(PerfError) {
                return try socket.receive(into: room.baseAddress!, count: room.count, wait: wait) ?? 0
            } catch {
                failure = error
                return 0
            }
        }
        if let failure {
            if case .disconnected(let during) = failure { throw .disconnected(during: "\(during) (\(role))") }
            throw failure
        }
        return count
    }

    /// Over WebSocket: reads frames and unframes their payload into the receive buffer; answers pings.
    private func fillFramed(wait: Bool) throws(PerfError) -> Bool {
        inbound.discardReadBytes()
        // Taken out of `webSocket` while in use, so the buffer stays uniquely referenced (no copy on write).
        var raw = webSocket!.raw
        webSocket!.raw = ByteBuffer()
        defer { webSocket!.raw = raw }
        raw.discardReadBytes()
        let count = try receive(into: &raw, wait: wait)
        let before = inbound.readableBytes
        var decoder = webSocket!.decoder
        defer { webSocket!.decoder = decoder }
        do {
            while let event = try decoder.next(&raw, data: &inbound) {
                switch event {
                case .ping(let payload):
                    _ = try payload.withUnsafeBytes { b in
                        Result { () throws(PerfError) in
                            try sendFramed(b.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: b.count, opcode: 0xA)
                        }
                    }.get()
                case .close(let code, let reason):
                    throw PerfError.disconnected(during: "a WebSocket close \(code ?? 1005) \(reason)")
                case .data, .pong:
                    continue
                }
            }
        } catch let error as WebSocketError {
            throw .protocolViolation("bad WebSocket frame from the broker (\(role)): \(error)")
        } catch let error as PerfError {
            throw error
        } catch {
            throw .protocolViolation("\(error)")
        }
        if count > 0 { socket.acknowledgeQuickly() }
        return inbound.readableBytes > before
    }

    /// The next complete packet in the receive buffer, or nil when more bytes are needed.
    /// - Throws: `PerfError.protocolViolation` for a malformed packet.
    @inline(__always)
    func nextPacket() throws(PerfError) -> MQTTPacket? {
        do {
            return try MQTTDecoder.decode(&inbound, version: version, maxPacketSize: Self.maxPacketSize)
        } catch {
            throw .protocolViolation("malformed packet from the broker (\(role)): \(error)")
        }
    }

    /// Reads until a packet arrives and returns it; PINGRESP is skipped.
    func awaitPacket(deadline: UInt64, waitingFor: String) throws(PerfError) -> MQTTPacket {
        while true {
            while let packet = try nextPacket() {
                if packet != .pingResp { return packet }
            }
            if Nanoseconds.now() > deadline { throw .timeout("waiting for \(waitingFor) (\(role))") }
            do {
                _ = try fill(wait: true)
            } catch .disconnected {
                throw .disconnected(during: "before \(waitingFor) (\(role))")
            }
        }
    }

    /// Sends DISCONNECT after any queued control packets. Best effort: a broker that is gone or slow is not an
    /// error at the end of a run. The socket is closed when the connection is released.
    func disconnect(deadline: UInt64) {
        enqueue(.disconnect(MQTTPacket.Disconnect()))
        try? flush(deadline: deadline)
    }
}
