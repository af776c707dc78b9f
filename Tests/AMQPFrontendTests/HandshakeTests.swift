import AMQPFrontend
import AMQPWire
import Auth
import Testing

@Suite("AMQP server: connection handshake and login")
struct HandshakeTests {
    @Test("start -> start-ok (PLAIN) -> tune -> tune-ok -> open -> open-ok")
    func handshake() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connect()
        try client.sendRaw(amqpProtocolHeader)
        let start = try client.next("connection.start") { if case .connectionStart(let m) = $0 { m } else { nil } }
        #expect(start.versionMajor == 0 && start.versionMinor == 9)
        #expect(String(decoding: start.mechanisms, as: UTF8.self).split(separator: " ").contains("PLAIN"))
        guard case .table(let capabilities)? = start.serverProperties["capabilities"] else {
            Issue.record("no capabilities in server-properties")
            return
        }
        #expect(capabilities["publisher_confirms"] == .bool(true))
        #expect(capabilities["basic.nack"] == .bool(true))
        try client.startOk(user: "guest", password: "guest")
        let tune = try client.next("connection.tune") { if case .connectionTune(let m) = $0 { m } else { nil } }
        #expect(tune.frameMax == AMQPServerConfiguration().frameMax)
        try client.send(.connectionTuneOk(ConnectionTuneOk(channelMax: 16, frameMax: 4096, heartbeat: 0)), channel: 0)
        try client.send(.connectionOpen(ConnectionOpen(virtualHost: "/")), channel: 0)
        _ = try client.next("connection.open-ok") { if case .connectionOpenOk = $0 { true } else { nil } }
        try client.openChannel(1)
        #expect(fixture.server.connectionCount == 1)
    }

    @Test("a wrong protocol header is answered with AMQP 0 0 9 1 and the socket is closed")
    func wrongProtocolHeader() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connect()
        try client.sendRaw(Array("AMQP".utf8) + [1, 1, 8, 0])
        #expect(try client.readUntilClosed() == amqpProtocolHeader)
    }

    @Test("an HTTP request instead of AMQP gets the protocol header and a close")
    func httpRequest() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connect()
        try client.sendRaw(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(try client.readUntilClosed() == amqpProtocolHeader)
    }

    @Test("a wrong password gets connection.close 403 ACCESS_REFUSED")
    func wrongPassword() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connect()
        try client.sendRaw(amqpProtocolHeader)
        _ = try client.next("connection.start") { if case .connectionStart(let m) = $0 { m } else { nil } }
        try client.startOk(user: "guest", password: "wrong")
        let close = try client.expectConnectionClose()
        #expect(close.replyCode == ReplyCode.accessRefused)
        #expect(close.replyText.string.hasPrefix("ACCESS_REFUSED"))
        #expect(try client.readUntilClosed().isEmpty)
    }

    @Test("an unknown user gets 403 too")
    func unknownUser() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connect()
        try client.sendRaw(amqpProtocolHeader)
        _ = try client.next("connection.start") { if case .connectionStart(let m) = $0 { m } else { nil } }
        try client.startOk(user: "nobody", password: "guest")
        #expect(try client.expectConnectionClose().replyCode == ReplyCode.accessRefused)
    }

    @Test("opening an unknown vhost gets connection.close 530 NOT_ALLOWED")
    func unknownVhost() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connect()
        try client.login()
        try client.send(.connectionOpen(ConnectionOpen(virtualHost: "nope")), channel: 0)
        let close = try client.expectConnectionClose()
        #expect(close.replyCode == ReplyCode.notAllowed)
        #expect(close.replyText.string.contains("nope"))
    }

    @Test("a user without permissions on the vhost gets 530")
    func noVhostAccess() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        fixture.users.put(
            User(name: "bob", passwordHash: PasswordHash.make("pw"), hashingAlgorithm: .sha256, tags: []))
        let client = try fixture.connect()
        try client.login(user: "bob", password: "pw")
        try client.send(.connectionOpen(ConnectionOpen(virtualHost: "/")), channel: 0)
        #expect(try client.expectConnectionClose().replyCode == ReplyCode.notAllowed)
    }

    @Test("connection.close from the client is answered with close-ok and the socket closes")
    func clientClose() throws {
        let fixture = try ServerFixture()
        defer { fixture.shutdown() }
        let client = try fixture.connectOpen()
        try client.send(
            .connectionClose(ConnectionClose(replyCode: ReplyCode.success, replyText: "bye", classId: 0, methodId: 0)),
            channel: 0)
        _ = try client.next("connection.close-ok") { if case .connectionCloseOk = $0 { true } else { nil } }
        #expect(try client.readUntilClosed().isEmpty)
    }
}
