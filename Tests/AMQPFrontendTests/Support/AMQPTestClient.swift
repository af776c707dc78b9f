import AMQPValues
import AMQPWire
import Bytes
import Glibc

/// A minimal blocking AMQP 0-9-1 client speaking raw frames through AMQPWire, for driving the real server.
///
/// Every read has a deadline (SO_RCVTIMEO), so a server that fails to answer fails the test instead of hanging it.
final class AMQPTestClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A content-carrying method with its header and body as received.
    struct Content {
        let method: AMQPMethod
        let properties: BasicProperties
        let body: [UInt8]
        /// Number of body frames the body arrived in.
        let bodyFrames: Int
    }

    let fd: Int32
    private var inbox = ByteBuffer()
    /// The frame_max the client announced in tune-ok (0 until the handshake), used to split bodies.
    private(set) var frameMax = 0
    /// Methods received while waiting for something else, in order (basic.ack confirms, deliveries).
    private(set) var seen: [(channel: UInt16, method: AMQPMethod)] = []

    init(port: Int, timeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "connect to port \(port): errno \(code)")
        }
    }

    deinit { Glibc.close(fd) }

    // MARK: - Sending

    func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: errno \(errno)")
            }
            offset += n
        }
    }

    private func send(_ write: (inout ByteBuffer) -> Void) throws {
        var out = ByteBuffer()
        write(&out)
        try sendRaw(out.readableBytesArray)
    }

    func send(_ method: AMQPMethod, channel: UInt16) throws {
        try send { FrameEncoder.writeMethod(method, channel: channel, into: &$0) }
    }

    /// A frame with an arbitrary type, channel and payload.
    func sendFrame(type: UInt8, channel: UInt16, payload: [UInt8]) throws {
        var out = ByteBuffer()
        out.writeUInt8(type)
        out.writeInteger(channel)
        out.writeInteger(UInt32(payload.count))
        out.writeBytes(payload)
        out.writeUInt8(Frame.end)
        try sendRaw(out.readableBytesArray)
    }

    /// basic.publish with a header and body frames split at the negotiated frame_max.
    func publish(
        channel: UInt16, exchange: ByteString = "", routingKey: ByteString, body: [UInt8],
        properties: BasicProperties = BasicProperties(), mandatory: Bool = false
    ) throws {
        let method = AMQPMethod.basicPublish(BasicPublish(exchange: exchange, routingKey: routingKey, mandatory: mandatory))
        let frameMax = self.frameMax == 0 ? 131_072 : self.frameMax
        try send { out in
            body.withUnsafeBytes {
                FrameEncoder.writeContent(
                    method, properties: properties, body: $0, channel: channel, frameMax: frameMax, into: &out)
            }
        }
    }

    func publish(channel: UInt16, routingKey: ByteString, text: String) throws {
        try publish(channel: channel, routingKey: routingKey, body: Array(text.utf8))
    }

    // MARK: - Receiving

    /// The next frame; throws when the server closed the connection or nothing arrived before the deadline.
    func readFrame() throws -> Frame {
        while true {
            if let frame = try FrameDecoder.decode(&inbox, maxFrameSize: 1 << 24) { return frame }
            try fill()
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(description: "receive: errno \(errno) (deadline passed?)") }
            if n == 0 { throw Failure(description: "receive: the server closed the connection") }
            inbox.writeBytes(chunk[0..<n])
            return
        }
    }

    /// The next method frame (heartbeats skipped), with its channel.
    func readMethod() throws -> (channel: UInt16, method: AMQPMethod) {
        while true {
            let frame = try readFrame()
            switch frame.type {
            case .heartbeat: continue
            case .method:
                var payload = frame.payload
                return (frame.channel, try AMQPMethod.decode(&payload))
            default:
                throw Failure(description: "expected a method frame, got \(frame.type) on channel \(frame.channel)")
            }
        }
    }

    /// Reads methods until `match` accepts one; the skipped ones are kept in `seen`.
    func expect<T>(_ what: String, _ match: (UInt16, AMQPMethod) -> T?) throws -> T {
        while true {
            let (channel, method) = try readMethod()
            if let t = match(channel, method) { return t }
            seen.append((channel, method))
            if seen.count > 10_000 { throw Failure(description: "no \(what) among 10000 methods") }
        }
    }

    /// The next method must be `what`; anything else fails.
    func next<T>(_ what: String, _ match: (AMQPMethod) -> T?) throws -> T {
        let (channel, method) = try readMethod()
        guard let t = match(method) else {
            throw Failure(description: "expected \(what), got \(method) on channel \(channel)")
        }
        return t
    }

    /// A content-carrying method's header and body frames, after the method itself was read.
    func readContent(after method: AMQPMethod) throws -> Content {
        let headerFrame = try readFrame()
        guard headerFrame.type == .header else { throw Failure(description: "expected a content header") }
        var payload = headerFrame.payload
        let header = try ContentHeader.decode(&payload)
        var body: [UInt8] = []
        var frames = 0
        while body.count < Int(header.bodySize) {
            let f = try readFrame()
            guard f.type == .body else { throw Failure(description: "expected a body frame, got \(f.type)") }
            body.append(contentsOf: f.payload.readableBytesArray)
            frames += 1
        }
        return Content(method: method, properties: header.properties, body: body, bodyFrames: frames)
    }

    /// Reads until the server closes the socket; returns the bytes that arrived before.
    func readUntilClosed() throws -> [UInt8] {
        var result = inbox.readableBytesArray
        inbox = ByteBuffer()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(description: "receive: errno \(errno) before the server closed") }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    // MARK: - Conversations

    /// Protocol header, start / start-ok (PLAIN), tune / tune-ok, open / open-ok.
    func handshake(user: String = "guest", password: String = "guest", vhost: String = "/", frameMax: UInt32 = 0) throws {
        try login(user: user, password: password, frameMax: frameMax)
        try send(.connectionOpen(ConnectionOpen(virtualHost: ByteString(vhost))), channel: 0)
        _ = try next("connection.open-ok") { if case .connectionOpenOk = $0 { true } else { nil } }
    }

    /// Protocol header, start / start-ok (PLAIN), tune / tune-ok: everything before connection.open.
    func login(user: String = "guest", password: String = "guest", frameMax: UInt32 = 0) throws {
        try sendRaw(amqpProtocolHeader)
        _ = try next("connection.start") { if case .connectionStart(let m) = $0 { m } else { nil } }
        try startOk(user: user, password: password)
        let tune = try next("connection.tune") { if case .connectionTune(let m) = $0 { m } else { nil } }
        let agreed = frameMax == 0 ? tune.frameMax : min(frameMax, tune.frameMax)
        try send(.connectionTuneOk(ConnectionTuneOk(channelMax: tune.channelMax, frameMax: agreed, heartbeat: 0)), channel: 0)
        self.frameMax = Int(agreed)
    }

    func startOk(user: String, password: String) throws {
        let response = [0] + Array(user.utf8) + [0] + Array(password.utf8)
        let capabilities: FieldTable = ["consumer_cancel_notify": .bool(true), "publisher_confirms": .bool(true)]
        try send(
            .connectionStartOk(
                ConnectionStartOk(
                    clientProperties: ["product": .string("test"), "capabilities": .table(capabilities)],
                    mechanism: "PLAIN", response: response)),
            channel: 0)
    }

    func openChannel(_ channel: UInt16) throws {
        try send(.channelOpen(ChannelOpen()), channel: channel)
        _ = try next("channel.open-ok") { if case .channelOpenOk = $0 { true } else { nil } }
    }

    func declareQueue(_ name: ByteString, channel: UInt16 = 1) throws -> QueueDeclareOk {
        try send(.queueDeclare(QueueDeclare(queue: name)), channel: channel)
        return try next("queue.declare-ok") { if case .queueDeclareOk(let m) = $0 { m } else { nil } }
    }

    /// connection.close from the server: answers close-ok and returns it.
    func expectConnectionClose() throws -> ConnectionClose {
        let close = try expect("connection.close") { _, m in if case .connectionClose(let c) = m { c } else { nil } }
        try? send(.connectionCloseOk(ConnectionCloseOk()), channel: 0)
        return close
    }

    /// channel.close from the server on `channel`: answers close-ok and returns it.
    func expectChannelClose(_ channel: UInt16) throws -> ChannelClose {
        let close = try expect("channel.close") { ch, m in
            if case .channelClose(let c) = m, ch == channel { c } else { nil }
        }
        try send(.channelCloseOk(ChannelCloseOk()), channel: channel)
        return close
    }
}
