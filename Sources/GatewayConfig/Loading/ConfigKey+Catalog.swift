/// Every configuration key, in the order of design §7 (plus `[main] io_threads`, `max_message_memory` and `segment_size`).
/// Each closure gets the configuration `c` and the value text `v`.
extension ConfigKey {
    static let all: [ConfigKey] = [
        key("main", "data_dir") { (c, v) throws(ValueError) in c.main.dataDir = try ValueParser.string(v) },
        key("main", "log_level") { (c, v) throws(ValueError) in c.main.logLevel = try ValueParser.logLevel(v) },
        key("main", "io_threads") { (c, v) throws(ValueError) in
            c.main.ioThreads = try ValueParser.integer(v, in: 0...1024)
        },
        key("main", "tls_cert") { (c, v) throws(ValueError) in c.main.tlsCert = ValueParser.optionalString(v) },
        key("main", "tls_key") { (c, v) throws(ValueError) in c.main.tlsKey = ValueParser.optionalString(v) },
        key("main", "tls_min_version") { (c, v) throws(ValueError) in
            c.main.tlsMinVersion = try ValueParser.tlsVersion(v)
        },
        key("main", "tls_ciphers") { (c, v) throws(ValueError) in c.main.tlsCiphers = ValueParser.optionalString(v) },
        key("main", "tls_verify_peer") { (c, v) throws(ValueError) in c.main.tlsVerifyPeer = try ValueParser.bool(v) },
        key("main", "tls_ca_cert") { (c, v) throws(ValueError) in c.main.tlsCaCert = ValueParser.optionalString(v) },
        key("main", "default_user") { (c, v) throws(ValueError) in c.main.defaultUser = try ValueParser.string(v) },
        key("main", "default_password_hash") { (c, v) throws(ValueError) in
            c.main.defaultPasswordHash = ValueParser.optionalString(v)
        },
        key("main", "default_user_only_loopback") { (c, v) throws(ValueError) in
            c.main.defaultUserOnlyLoopback = try ValueParser.bool(v)
        },
        key("main", "auth_backends") { (c, v) throws(ValueError) in
            c.main.authBackends = try ValueParser.authBackends(v)
        },
        key("main", "load_definitions") { (c, v) throws(ValueError) in
            c.main.loadDefinitions = ValueParser.optionalString(v)
        },
        key("main", "sync") { (c, v) throws(ValueError) in c.main.sync = try ValueParser.bool(v) },
        key("main", "free_disk_min") { (c, v) throws(ValueError) in
            c.main.freeDiskMin = try ValueParser.byteSize(v, in: 0...Int64.max)
        },
        key("main", "max_message_memory") { (c, v) throws(ValueError) in
            c.main.maxResourceAlarm = try ValueParser.byteSize(v, in: 0...Int64.max)
        },
        key("main", "segment_size") { (c, v) throws(ValueError) in
            c.main.segmentSize = Int(try ValueParser.byteSize(v, in: 4096...(1 << 31)))
        },

        key("amqp", "bind") { (c, v) throws(ValueError) in c.amqp.bind = try ValueParser.string(v) },
        key("amqp", "port") { (c, v) throws(ValueError) in c.amqp.port = try ValueParser.port(v) },
        key("amqp", "tls_port") { (c, v) throws(ValueError) in c.amqp.tlsPort = try ValueParser.port(v) },
        key("amqp", "heartbeat") { (c, v) throws(ValueError) in
            c.amqp.heartbeat = UInt16(try ValueParser.integer(v, in: 0...65535))
        },
        // AMQP 0-9-1 §4.2.3: frames may not be smaller than 4096 octets.
        key("amqp", "frame_max") { (c, v) throws(ValueError) in
            c.amqp.frameMax = UInt32(try ValueParser.byteSize(v, in: 4096...Int64(UInt32.max)))
        },
        key("amqp", "channel_max") { (c, v) throws(ValueError) in
            c.amqp.channelMax = UInt16(try ValueParser.integer(v, in: 0...65535))
        },
        key("amqp", "max_message_size") { (c, v) throws(ValueError) in
            c.amqp.maxMessageSize = Int(try ValueParser.byteSize(v, in: 1...(1 << 31)))
        },

        key("mqtt", "bind") { (c, v) throws(ValueError) in c.mqtt.bind = try ValueParser.string(v) },
        key("mqtt", "port") { (c, v) throws(ValueError) in c.mqtt.port = try ValueParser.port(v) },
        key("mqtt", "tls_port") { (c, v) throws(ValueError) in c.mqtt.tlsPort = try ValueParser.port(v) },
        key("mqtt", "default_vhost") { (c, v) throws(ValueError) in c.mqtt.defaultVhost = try ValueParser.string(v) },
        key("mqtt", "permission_check_enabled") { (c, v) throws(ValueError) in
            c.mqtt.permissionCheckEnabled = try ValueParser.bool(v)
        },
        key("mqtt", "max_inflight_messages") { (c, v) throws(ValueError) in
            c.mqtt.maxInflightMessages = try ValueParser.integer(v, in: 1...65535)
        },
        // MQTT 3.1.1 §2.2.3 / 5.0 §1.5.5: the remaining length is at most 268435455.
        key("mqtt", "max_packet_size") { (c, v) throws(ValueError) in
            c.mqtt.maxPacketSize = Int(try ValueParser.byteSize(v, in: 1...268_435_455))
        },
        key("mqtt", "max_keepalive") { (c, v) throws(ValueError) in
            c.mqtt.maxKeepalive = UInt16(try ValueParser.integer(v, in: 0...65535))
        },
        key("mqtt", "client_id_validation") { (c, v) throws(ValueError) in
            c.mqtt.clientIdValidation = try ValueParser.clientIdValidation(v)
        },
        key("mqtt", "allow_anonymous") { (c, v) throws(ValueError) in c.mqtt.allowAnonymous = try ValueParser.bool(v) },
        key("mqtt", "anonymous_user") { (c, v) throws(ValueError) in
            c.mqtt.anonymousUser = ValueParser.optionalString(v)
        },
        key("mqtt", "queue_qos0_offline") { (c, v) throws(ValueError) in
            c.mqtt.queueQos0Offline = try ValueParser.bool(v)
        },
        key("mqtt", "max_session_expiry_interval") { (c, v) throws(ValueError) in
            c.mqtt.maxSessionExpiryInterval = UInt32(try ValueParser.integer(v, in: 0...Int(UInt32.max)))
        },
        key("mqtt", "topic_alias_maximum") { (c, v) throws(ValueError) in
            c.mqtt.topicAliasMaximum = UInt16(try ValueParser.integer(v, in: 0...65535))
        },
        key("mqtt", "max_topic_levels") { (c, v) throws(ValueError) in
            c.mqtt.maxTopicLevels = try ValueParser.integer(v, in: 1...65535)
        },
        key("mqtt", "max_subscriptions_per_session") { (c, v) throws(ValueError) in
            c.mqtt.maxSubscriptionsPerSession = try ValueParser.integer(v, in: 1...1_000_000)
        },
        key("mqtt", "ws_bind") { (c, v) throws(ValueError) in c.mqtt.wsBind = try ValueParser.string(v) },
        key("mqtt", "ws_port") { (c, v) throws(ValueError) in c.mqtt.wsPort = try ValueParser.port(v) },
        key("mqtt", "wss_port") { (c, v) throws(ValueError) in c.mqtt.wssPort = try ValueParser.port(v) },

        key("mgmt", "bind") { (c, v) throws(ValueError) in c.mgmt.bind = try ValueParser.string(v) },
        key("mgmt", "port") { (c, v) throws(ValueError) in c.mgmt.port = try ValueParser.port(v) },
        key("mgmt", "tls_port") { (c, v) throws(ValueError) in c.mgmt.tlsPort = try ValueParser.port(v) },

        key("oauth", "issuer") { (c, v) throws(ValueError) in c.oauth.issuer = ValueParser.optionalString(v) },
        key("oauth", "audience") { (c, v) throws(ValueError) in c.oauth.audience = ValueParser.optionalString(v) },
        key("oauth", "resource_server_id") { (c, v) throws(ValueError) in
            c.oauth.resourceServerId = ValueParser.optionalString(v)
        },
        key("oauth", "scope_prefix") { (c, v) throws(ValueError) in c.oauth.scopePrefix = ValueParser.optionalString(v)
        },
        key("oauth", "preferred_username_claims") { (c, v) throws(ValueError) in
            let claims = ValueParser.list(v)
            guard !claims.isEmpty else { throw ValueError("must name at least one claim") }
            c.oauth.preferredUsernameClaims = claims
        },
        key("oauth", "verify_aud") { (c, v) throws(ValueError) in c.oauth.verifyAud = try ValueParser.bool(v) },
        key("oauth", "jwks") { (c, v) throws(ValueError) in c.oauth.jwks = ValueParser.optionalString(v) },
        key("oauth", "jwks_cache_ttl") { (c, v) throws(ValueError) in
            c.oauth.jwksCacheTtl = try ValueParser.integer(v, in: 1...Int(Int32.max))
        },
        key("oauth", "jwks_ca_cert") { (c, v) throws(ValueError) in c.oauth.jwksCaCert = ValueParser.optionalString(v)
        },
        key("oauth", "leeway") { (c, v) throws(ValueError) in
            c.oauth.leeway = try ValueParser.integer(v, in: 0...3600)
        },

        key("clustering", "enabled") { (c, v) throws(ValueError) in c.clustering.enabled = try ValueParser.bool(v) },
        key("clustering", "bind") { (c, v) throws(ValueError) in c.clustering.bind = try ValueParser.string(v) },
        key("clustering", "port") { (c, v) throws(ValueError) in c.clustering.port = try ValueParser.port(v) },
        key("clustering", "advertised_uri") { (c, v) throws(ValueError) in
            let uri = ValueParser.optionalString(v)
            if let uri, !uri.hasPrefix("tcp://") || uri.count <= 6 { throw ValueError("must be tcp://host:port") }
            c.clustering.advertisedURI = uri
        },
        key("clustering", "etcd_endpoints") { (c, v) throws(ValueError) in
            let endpoints = ValueParser.list(v)
            guard !endpoints.isEmpty else { throw ValueError("must name at least one endpoint (host:port)") }
            c.clustering.etcdEndpoints = endpoints
        },
        key("clustering", "etcd_prefix") { (c, v) throws(ValueError) in
            c.clustering.etcdPrefix = try ValueParser.string(v)
        },
        key("clustering", "lease_ttl") { (c, v) throws(ValueError) in
            c.clustering.leaseTTL = try ValueParser.integer(v, in: 2...3600)
        },
        key("clustering", "min_isr") { (c, v) throws(ValueError) in
            c.clustering.minISR = try ValueParser.integer(v, in: 0...16)
        },
        key("clustering", "follower_ack_timeout") { (c, v) throws(ValueError) in
            c.clustering.followerAckTimeout = try ValueParser.integer(v, in: 100...600_000)
        },
        key("clustering", "max_lag") { (c, v) throws(ValueError) in
            c.clustering.maxLag = try ValueParser.integer(v, in: 1 << 20...1 << 40)
        },
        key("clustering", "on_leader_elected") { (c, v) throws(ValueError) in
            c.clustering.onLeaderElected = ValueParser.optionalString(v)
        },
        key("clustering", "on_leader_lost") { (c, v) throws(ValueError) in
            c.clustering.onLeaderLost = ValueParser.optionalString(v)
        },
    ]

    private static func key(
        _ section: String, _ name: String,
        _ apply: @escaping @Sendable (inout GatewayConfiguration, String) throws(ValueError) -> Void
    ) -> ConfigKey {
        ConfigKey(section: section, name: name, apply: apply)
    }
}
