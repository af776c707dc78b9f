import AMQPWire
import Bytes

/// A blocking AMQP 0-9-1 client connection with one channel: what a publisher or consumer thread drives.
///
/// It owns the socket, the receive buffer and an outgoing buffer for control methods. Setup (handshake,
/// declarations) runs request/response through `call`; the hot loops read with `fill` and `nextEvent` and
/// write their own batches through `send`. Frames come from `AMQPWire`: `FrameEncoder` for everything sent,
/// `AMQPMethod.decode` for every method received except the per-message ones (see `InboundEvent`).
///
/// Used by one thread at a time (main thread for setup, then its worker), hence `@unchecked Sendable`.
final class AMQPClientConnection: @unchecked Sendable {
    /// The channel every publisher and consumer uses.
    static let channel: UInt16 = 1
    /// frame_max proposed when the broker leaves it unlimited (0), and accepted before tuning.
    static let defaultFrameMax = 131_072

    let socket: TCPSocket
    let receive = ReceiveBuffer()
    /// Outgoing control frames, flushed by `flush`.
    var outgoing = ByteBuffer(capacity: 4096)
    /// The negotiated frame_max (header and frame end included).
    var frameMax = defaultFrameMax
    /// What the connection is for, for error messages ("publisher 2").
    let role: String

    /// Connects and runs the handshake up to an open channel 1.
    /// - Throws: `PerfError` when the broker is unreachable, refuses the login or the vhost, or misbehaves.
    init(uri: AMQPURI, role: String) throws(PerfError) {
        self.role = role
        socket = try TCPSocket.connect(host: uri.host, port: uri.port, timeoutSeconds: 5)
        socket.setTimeouts(milliseconds: 10_000)
        // On failure the instance is already complete, so deinit closes the socket.
        try handshake(uri: uri)
        socket.setTimeouts(milliseconds: 100)
    }

    deinit { socket.close() }

    /// Appends a method frame to `outgoing`.
    func enqueue(_ method: AMQPMethod, channel: UInt16 = channel) {
        FrameEncoder.writeMethod(method, channel: channel, into: &outgoing)
    }

    /// Writes `outgoing` to the socket, waiting up to `deadline` (monotonic ns) for the broker to take it.
    /// - Throws: `PerfError.timeout` when the broker stops reading, or a socket error.
    func flush(deadline: UInt64) throws(PerfError) {
        let result = outgoing.withReadableBytes { bytes in
            Result { () throws(PerfError) in try sendAll(bytes, deadline: deadline) }
        }
        outgoing.clear()
        try result.get()
    }

    /// Sends what the socket takes of `count` bytes within its send timeout; returns how many it took.
    /// - Throws: `PerfError.disconnected` naming this connection's role, or a socket error.
    func send(_ bytes: UnsafeRawPointer, count: Int) throws(PerfError) -> Int {
        do {
            return try socket.send(bytes, count: count)
        } catch .disconnected(let during) {
            throw .disconnected(during: "\(during) (\(role))")
        }
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

    /// Sends `method` on channel 1 and returns the broker's next method on that channel, skipping heartbeats.
    /// - Throws: `PerfError.closedByBroker` when the broker answers with channel.close or connection.close.
    @discardableResult
    func call(_ method: AMQPMethod, within seconds: UInt64 = 10) throws(PerfError) -> AMQPMethod {
        enqueue(method)
        let deadline = Nanoseconds.now() + seconds * 1_000_000_000
        try flush(deadline: deadline)
        return try awaitMethod(channel: Self.channel, deadline: deadline, waitingFor: method.name)
    }

    /// Reads until a method arrives on `channel` and returns it; other frames are dropped.
    func awaitMethod(channel: UInt16, deadline: UInt64, waitingFor: String) throws(PerfError) -> AMQPMethod {
        while true {
            while let event = try nextEvent() {
                if case .method(let method, let on) = event, on == channel { return method }
            }
            if Nanoseconds.now() > deadline { throw .timeout("waiting for the reply to \(waitingFor) (\(role))") }
            do {
                _ = try fill(wait: true)
            } catch .disconnected {
                throw .disconnected(during: "after \(waitingFor) (\(role))")
            }
        }
    }

    /// Reads what the socket has into the receive buffer. With `wait`, blocks up to the socket timeout (100 ms
    /// after setup). Returns whether any bytes arrived.
    func fill(wait: Bool) throws(PerfError) -> Bool {
        let (pointer, room) = receive.prepareForWrite(minimum: max(frameMax, 64 << 10))
        do {
            guard let count = try socket.receive(into: pointer, count: room, wait: wait) else { return false }
            receive.didWrite(count)
            return true
        } catch .disconnected(let during) {
            throw .disconnected(during: "\(during) (\(role))")
        }
    }

    /// Closes cleanly: connection.close, then waits for close-ok (dropping anything else) until `deadline`.
    /// Best effort: a broker that is gone or slow is not an error at the end of a run.
    func close(deadline: UInt64) {
        enqueue(.connectionClose(ConnectionClose(replyCode: 200, replyText: "bye", classId: 0, methodId: 0)), channel: 0)
        do {
            try flush(deadline: deadline)
            while true {
                while let event = try nextEvent() {
                    if case .method(.connectionCloseOk, _) = event { return }
                }
                if Nanoseconds.now() > deadline { return }
                _ = try fill(wait: true)
            }
        } catch {
            return
        }
    }
}
