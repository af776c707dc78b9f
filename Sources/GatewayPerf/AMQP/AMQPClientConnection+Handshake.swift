import AMQPValues
import AMQPWire

extension AMQPClientConnection {
    /// Client properties sent in connection.start-ok. The capabilities ask RabbitMQ for a connection.close
    /// with 403 on a failed login (instead of a silent disconnect) and announce the extensions we handle.
    static let clientProperties: FieldTable = [
        "product": .string("gatewayperf"),
        "platform": .string("Swift"),
        "information": .string("Gateway load generator"),
        "capabilities": .table([
            "authentication_failure_close": .bool(true),
            "publisher_confirms": .bool(true),
            "basic.nack": .bool(true),
            "consumer_cancel_notify": .bool(true),
            "connection.blocked": .bool(true),
        ]),
    ]

    /// Protocol header, connection.start/start-ok (PLAIN), tune/tune-ok with the broker's frame_max and
    /// channel_max and heartbeat 0, connection.open, channel.open (AMQP 0-9-1 §2.2.4, §4.2.2).
    func handshake(uri: AMQPURI) throws(PerfError) {
        let deadline = Nanoseconds.now() + 10_000_000_000
        try amqpProtocolHeader.withUnsafeBytes { bytes in
            Result { () throws(PerfError) in try sendAll(bytes, deadline: deadline) }
        }.get()
        let start = try handshakeStep(deadline: deadline, after: "the protocol header")
        guard case .connectionStart(let offer) = start else {
            throw .protocolViolation("expected connection.start, got \(start.name)")
        }
        let mechanisms = String(decoding: offer.mechanisms, as: UTF8.self).split(separator: " ")
        guard mechanisms.contains("PLAIN") else {
            throw .protocolViolation("the broker does not offer PLAIN authentication (it offers \(mechanisms.joined(separator: ", ")))")
        }
        var response: [UInt8] = [0]
        response += Array(uri.user.utf8) + [0] + Array(uri.password.utf8)
        enqueue(.connectionStartOk(ConnectionStartOk(clientProperties: Self.clientProperties, response: response)), channel: 0)
        try flush(deadline: deadline)

        let tune: AMQPMethod
        do {
            tune = try handshakeStep(deadline: deadline, after: "the login")
        } catch .disconnected {
            throw .disconnected(during: "after the login: user '\(uri.user)' was refused (wrong user or password?)")
        }
        guard case .connectionTune(let limits) = tune else {
            throw .protocolViolation("expected connection.tune, got \(tune.name) (only PLAIN without a challenge is supported)")
        }
        let negotiatedFrameMax = limits.frameMax == 0 ? UInt32(Self.defaultFrameMax) : limits.frameMax
        guard negotiatedFrameMax >= UInt32(Frame.minSize) else {
            throw .protocolViolation("the broker proposed frame_max \(negotiatedFrameMax), below the minimum of \(Frame.minSize)")
        }
        let channelMax = limits.channelMax == 0 ? UInt16.max : limits.channelMax
        enqueue(.connectionTuneOk(ConnectionTuneOk(channelMax: channelMax, frameMax: negotiatedFrameMax, heartbeat: 0)), channel: 0)
        frameMax = Int(negotiatedFrameMax)
        enqueue(.connectionOpen(ConnectionOpen(virtualHost: ByteString(uri.vhost))), channel: 0)
        try flush(deadline: deadline)
        let open: AMQPMethod
        do {
            open = try handshakeStep(deadline: deadline, after: "connection.open")
        } catch .disconnected {
            throw .disconnected(during: "after connection.open: no access to vhost '\(uri.vhost)'?")
        }
        guard case .connectionOpenOk = open else { throw .protocolViolation("expected connection.open-ok, got \(open.name)") }
        let opened = try call(.channelOpen(ChannelOpen()))
        guard case .channelOpenOk = opened else { throw .protocolViolation("expected channel.open-ok, got \(opened.name)") }
    }

    private func handshakeStep(deadline: UInt64, after step: String) throws(PerfError) -> AMQPMethod {
        try awaitMethod(channel: 0, deadline: deadline, waitingFor: step)
    }
}
