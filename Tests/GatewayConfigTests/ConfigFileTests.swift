import Testing

@testable import GatewayConfig

@Suite("Configuration file")
struct ConfigFileTests {
    @Test("every section's keys are read with their types (LavinMQ names)")
    func readsAllSections() throws {
        let file = try TemporaryFile(
            contents: """
                [main]
                data_dir = /var/lib/gateway
                log_level = warn
                io_threads = 4
                tls_cert = /etc/gateway/cert.pem
                tls_key = /etc/gateway/key.pem
                tls_min_version = TLSv1.3
                tls_verify_peer = yes
                default_user = admin
                default_user_only_loopback = off
                auth_backends = local, oauth
                load_definitions = /etc/gateway/defs.json
                sync = 0
                free_disk_min = 50MB
                segment_size = 16MiB
                [amqp]
                bind = 0.0.0.0
                port = 5673
                heartbeat = 60
                frame_max = 1048576
                channel_max = 0
                max_message_size = 1g
                [mqtt]
                port = 0
                default_vhost = iot
                permission_check_enabled = true
                max_inflight_messages = 100
                max_keepalive = 120
                client_id_validation = username
                allow_anonymous = on
                anonymous_user = anon
                queue_qos0_offline = TRUE
                max_session_expiry_interval = 4294967295
                topic_alias_maximum = 0
                max_topic_levels = 8
                max_subscriptions_per_session = 10
                ws_bind = 0.0.0.0
                ws_port = 0
                wss_port = 25676
                [mgmt]
                port = 15673
                [oauth]
                issuer = https://auth.example.com/
                preferred_username_claims = preferred_username,sub
                verify_aud = false
                jwks_cache_ttl = 60
                jwks_ca_cert = /etc/gateway/idp-ca.pem
                leeway = 5
                [clustering]
                enabled = true
                port = 5680
                advertised_uri = tcp://node1.example:5680
                etcd_endpoints = etcd1:2379, etcd2:2379
                etcd_prefix = prod
                lease_ttl = 6
                on_leader_elected = /usr/local/bin/promote
                on_leader_lost = /usr/local/bin/demote
                """)
        let (c, warnings) = try loadRun(["-c", file.path])
        #expect(warnings.isEmpty)
        #expect(c.main.dataDir == "/var/lib/gateway")
        #expect(c.main.logLevel == .warning)
        #expect(c.main.ioThreads == 4)
        #expect(c.main.tlsCert == "/etc/gateway/cert.pem")
        #expect(c.main.tlsKey == "/etc/gateway/key.pem")
        #expect(c.main.tlsMinVersion == "1.3")
        #expect(c.main.tlsVerifyPeer)
        #expect(c.main.defaultUser == "admin")
        #expect(!c.main.defaultUserOnlyLoopback)
        #expect(c.main.authBackends == ["local", "oauth"])
        #expect(c.main.loadDefinitions == "/etc/gateway/defs.json")
        #expect(!c.main.sync)
        #expect(c.main.freeDiskMin == 50_000_000)
        #expect(c.main.segmentSize == 16 * 1024 * 1024)
        #expect(c.amqp.bind == "0.0.0.0")
        #expect(c.amqp.port == 5673)
        #expect(c.amqp.heartbeat == 60)
        #expect(c.amqp.frameMax == 1_048_576)
        #expect(c.amqp.channelMax == 0)
        #expect(c.amqp.maxMessageSize == 1 << 30)
        #expect(c.mqtt.port == 0)
        #expect(c.mqtt.defaultVhost == "iot")
        #expect(c.mqtt.permissionCheckEnabled)
        #expect(c.mqtt.maxInflightMessages == 100)
        #expect(c.mqtt.maxKeepalive == 120)
        #expect(c.mqtt.clientIdValidation == .username)
        #expect(c.mqtt.allowAnonymous)
        #expect(c.mqtt.anonymousUser == "anon")
        #expect(c.mqtt.queueQos0Offline)
        #expect(c.mqtt.maxSessionExpiryInterval == UInt32.max)
        #expect(c.mqtt.topicAliasMaximum == 0)
        #expect((c.mqtt.maxTopicLevels, c.mqtt.maxSubscriptionsPerSession) == (8, 10))
        #expect((c.mqtt.wsBind, c.mqtt.wsPort, c.mqtt.wssPort) == ("0.0.0.0", 0, 25676))
        #expect(c.mgmt.port == 15673)
        #expect(c.oauth.issuer == "https://auth.example.com/")
        #expect(c.oauth.preferredUsernameClaims == ["preferred_username", "sub"])
        #expect(!c.oauth.verifyAud)
        #expect(c.oauth.jwksCacheTtl == 60)
        #expect(c.oauth.jwksCaCert == "/etc/gateway/idp-ca.pem")
        #expect(c.oauth.leeway == 5)
        #expect(c.clustering.enabled && c.clustering.port == 5680 && c.clustering.bind == "127.0.0.1")
        #expect(c.clustering.effectiveAdvertisedURI == "tcp://node1.example:5680")
        #expect(c.clustering.etcdEndpoints == ["etcd1:2379", "etcd2:2379"])
        #expect((c.clustering.etcdPrefix, c.clustering.leaseTTL) == ("prod", 6))
        #expect(c.clustering.onLeaderElected == "/usr/local/bin/promote")
        #expect(c.clustering.onLeaderLost == "/usr/local/bin/demote")
    }

    @Test("an unknown section is an error naming file, line and the known sections")
    func unknownSection() throws {
        let file = try TemporaryFile(contents: "[main]\ndata_dir = /tmp/x\n\n[federation]\n")
        #expect(
            configErrorMessage { _ = try ConfigurationLoader.load(arguments: ["-c", file.path], environment: [:]) }
                == "\(file.path):4: unknown section [federation] (known sections: [main], [amqp], [mqtt], [mgmt], "
                + "[oauth], [clustering])"
        )
    }

    @Test("an unknown key is a warning with file and line, and the rest of the file still applies")
    func unknownKeyWarns() throws {
        let file = try TemporaryFile(contents: "[amqp]\nprot = 5673\nport = 5674\n")
        let (c, warnings) = try loadRun(["--config", file.path])
        #expect(warnings == ["\(file.path):2: unknown key 'prot' in [amqp], ignored"])
        #expect(c.amqp.port == 5674)
    }

    @Test("bad values are errors naming file, line, section and key")
    func badValues() throws {
        let cases: [(String, String)] = [
            ("[main]\nsync = maybe", "2: [main] sync: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)"),
            ("[amqp]\n\nport = abc", "3: [amqp] port: 'abc' is not a port number (0-65535)"),
            ("[amqp]\nport = 65536", "2: [amqp] port: '65536' is not a port number (0-65535)"),
            ("[amqp]\nheartbeat = -1", "2: [amqp] heartbeat: '-1' is not an integer in 0-65535"),
            (
                "[amqp]\nframe_max = 100",
                "2: [amqp] frame_max: '100' is not a byte size in 4096-4294967295 (a number with an optional unit such as 512KiB or 50MB)"
            ),
            (
                "[main]\nfree_disk_min = 5 parsecs",
                "2: [main] free_disk_min: '5 parsecs' is not a byte size in 0-9223372036854775807 (a number with an optional unit such as 512KiB or 50MB)"
            ),
            (
                "[main]\nlog_level = loud",
                "2: [main] log_level: 'loud' is not a log level (debug, info, warning, error)"
            ),
            (
                "[main]\nauth_backends = local,ldap",
                "2: [main] auth_backends: 'ldap' is not an authentication backend (local, oauth)"
            ),
            ("[main]\ndata_dir =", "2: [main] data_dir: must not be empty"),
            (
                "[mqtt]\nclient_id_validation = strict",
                "2: [mqtt] client_id_validation: 'strict' is not a client id validation mode (none, username)"
            ),
            (
                "[main]\ntls_min_version = 2.0",
                "2: [main] tls_min_version: '2.0' is not a TLS version (1.0, 1.1, 1.2, 1.3)"
            ),
        ]
        for (contents, expected) in cases {
            let file = try TemporaryFile(contents: contents)
            #expect(
                configErrorMessage { _ = try ConfigurationLoader.load(arguments: ["-c", file.path], environment: [:]) }
                    == "\(file.path):\(expected)")
        }
    }

    @Test("byte sizes follow RabbitMQ's units: KiB/k are 1024, kB is 1000")
    func byteSizeUnits() throws {
        for (text, bytes) in [
            ("123", 123), ("2k", 2048), ("2KiB", 2048), ("2kB", 2000), ("3 MB", 3_000_000),
            ("3m", 3 << 20), ("1GiB", 1 << 30), ("1GB", 1_000_000_000), ("7B", 7),
        ] as [(String, Int64)] {
            let file = try TemporaryFile(contents: "[main]\nfree_disk_min = \(text)\n")
            let (c, _) = try loadRun(["-c", file.path])
            #expect(c.main.freeDiskMin == bytes, "\(text)")
        }
    }

    @Test("an empty value unsets an optional key")
    func emptyUnsetsOptional() throws {
        let file = try TemporaryFile(contents: "[main]\ntls_cert =\n")
        let (c, _) = try loadRun(["-c", file.path, "--cert="])
        #expect(c.main.tlsCert == nil)
    }

    @Test("a missing file is an error with the operating system's reason")
    func missingFile() {
        #expect(
            configErrorMessage {
                _ = try ConfigurationLoader.load(arguments: ["-c", "/nonexistent/gateway.ini"], environment: [:])
            } == "/nonexistent/gateway.ini: cannot read: No such file or directory")
    }

    @Test("GATEWAY_CONFIG names the file when -c is absent, and -c wins over it")
    func configFromEnvironment() throws {
        let fromEnvironment = try TemporaryFile(contents: "[amqp]\nport = 1111\n")
        let fromFlag = try TemporaryFile(contents: "[amqp]\nport = 2222\n")
        let (a, _) = try loadRun([], environment: ["GATEWAY_CONFIG": fromEnvironment.path])
        #expect(a.amqp.port == 1111)
        let (b, _) = try loadRun(["-c", fromFlag.path], environment: ["GATEWAY_CONFIG": fromEnvironment.path])
        #expect(b.amqp.port == 2222)
    }

    @Test("a TLS key without a certificate is rejected; a certificate alone is fine (key in the same file)")
    func tlsKeyNeedsCertificate() throws {
        #expect(
            configErrorMessage { _ = try ConfigurationLoader.load(arguments: ["--key", "k.pem"], environment: [:]) }
                == "[main] tls_key (--key) is set but tls_cert (--cert) is not; TLS needs a certificate")
        let (c, _) = try loadRun(["--cert", "both.pem"])
        #expect(c.main.tlsCert == "both.pem" && c.main.tlsKey == nil)
    }

    @Test("the oauth backend needs [oauth] jwks or issuer to find the signing keys")
    func oauthNeedsKeys() throws {
        let none = try TemporaryFile(contents: "[main]\nauth_backends = local,oauth\n")
        #expect(
            configErrorMessage { _ = try ConfigurationLoader.load(arguments: ["-c", none.path], environment: [:]) }
                == "[main] auth_backends includes oauth, but neither [oauth] jwks (a JWKS file or URL) nor [oauth] "
                + "issuer (for OpenID discovery of the keys) is set")
        let withIssuer = try TemporaryFile(contents: "[main]\nauth_backends = oauth\n[oauth]\nissuer = https://idp\n")
        let (c, _) = try loadRun(["-c", withIssuer.path])
        #expect(c.main.authBackends == ["oauth"])
    }
}
