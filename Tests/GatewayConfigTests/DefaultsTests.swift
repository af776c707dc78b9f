import Testing

@testable import GatewayConfig

@Suite("Defaults")
struct DefaultsTests {
    @Test("with no file, flags or environment the broker runs on loopback with default ports and ./gateway-data")
    func noSourcesGiveDefaults() throws {
        let result = try ConfigurationLoader.load(arguments: [], environment: [:])
        guard case .run(let configuration, let warnings) = result else {
            Issue.record("expected .run, got \(result)")
            return
        }
        #expect(warnings.isEmpty)
        #expect(configuration == GatewayConfiguration())
    }

    @Test("io_threads = 0 starts one loop fewer than the cores, never none")
    func defaultLoopCount() {
        #expect(MainSection.defaultIOThreads(cores: 1) == 1)
        #expect(MainSection.defaultIOThreads(cores: 2) == 1)
        #expect(MainSection.defaultIOThreads(cores: 8) == 7)
    }

    @Test("defaults match design §7 and LavinMQ")
    func defaultValues() {
        let c = GatewayConfiguration()
        #expect(c.main.dataDir == "./gateway-data")
        #expect(c.main.logLevel == .info)
        #expect(c.main.ioThreads == 0)
        #expect(c.main.tlsCert == nil && c.main.tlsKey == nil && c.main.tlsCaCert == nil && c.main.tlsCiphers == nil)
        #expect(c.main.tlsMinVersion == "1.2")
        #expect(c.main.tlsVerifyPeer == false)
        #expect(c.main.defaultUser == "guest")
        #expect(c.main.defaultPasswordHash == nil)
        #expect(c.main.defaultUserOnlyLoopback)
        #expect(c.main.authBackends == ["local"])
        #expect(c.main.loadDefinitions == nil)
        #expect(c.main.sync)
        #expect(c.main.freeDiskMin == 0)
        #expect(c.main.segmentSize == 8 * 1024 * 1024)

        #expect(c.amqp.bind == "127.0.0.1")
        #expect(c.amqp.port == 5672)
        #expect(c.amqp.tlsPort == 5671)
        #expect(c.amqp.heartbeat == 300)
        #expect(c.amqp.frameMax == 131072)
        #expect(c.amqp.channelMax == 2048)
        #expect(c.amqp.maxMessageSize == 128 * 1024 * 1024)

        #expect(c.mqtt.bind == "127.0.0.1")
        #expect(c.mqtt.port == 1883)
        #expect(c.mqtt.tlsPort == 8883)
        #expect(c.mqtt.defaultVhost == "/")
        #expect(c.mqtt.permissionCheckEnabled == false)
        #expect(c.mqtt.maxInflightMessages == 65535)
        #expect(c.mqtt.maxPacketSize == 268_435_455)
        #expect(c.mqtt.maxKeepalive == 65535)
        #expect(c.mqtt.clientIdValidation == .none)
        #expect(c.mqtt.allowAnonymous == false)
        #expect(c.mqtt.anonymousUser == nil)
        #expect(c.mqtt.queueQos0Offline == false)
        #expect(c.mqtt.maxSessionExpiryInterval == 86400)
        #expect(c.mqtt.topicAliasMaximum == 16)
        #expect(c.mqtt.maxTopicLevels == 128)
        #expect(c.mqtt.maxSubscriptionsPerSession == 1000)
        #expect((c.mqtt.wsBind, c.mqtt.wsPort, c.mqtt.wssPort) == ("127.0.0.1", 15675, 15676))

        #expect(c.mgmt.bind == "127.0.0.1")
        #expect(c.mgmt.port == 15672)
        #expect(c.mgmt.tlsPort == 15671)

        #expect(c.oauth.issuer == nil && c.oauth.audience == nil && c.oauth.jwks == nil)
        #expect(c.oauth.resourceServerId == nil && c.oauth.scopePrefix == nil)
        #expect(c.oauth.preferredUsernameClaims == ["sub", "client_id"])
        #expect(c.oauth.verifyAud)
        #expect(c.oauth.jwksCacheTtl == 3600)
    }

    @Test("log levels order from debug to error and accept 'warn'")
    func logLevels() {
        #expect(LogLevel.debug < .info && LogLevel.info < .warning && LogLevel.warning < .error)
        #expect(LogLevel(name: "warn") == .warning)
        #expect(LogLevel(name: "DEBUG") == .debug)
        #expect(LogLevel(name: "trace") == nil)
    }
}
