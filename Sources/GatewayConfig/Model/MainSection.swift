/// The `[main]` section: storage, logging, TLS material shared by every listener, the default user and authentication.
public struct MainSection: Sendable, Equatable {
    /// `data_dir`: where definitions, message segments and retained messages live. Created 0700 at start (design §6).
    public var dataDir: String = "./gateway-data"
    /// `log_level`: the lowest level that is logged.
    public var logLevel: LogLevel = .info
    /// `io_threads`: the number of event-loop threads; 0 means `defaultIOThreads(cores:)`.
    public var ioThreads: Int = 0
    /// `tls_cert`: PEM certificate (chain) file. TLS listeners start only when it is set.
    public var tlsCert: String?
    /// `tls_key`: PEM private key file for ``tlsCert``; nil means the key is in the ``tlsCert`` file (as in LavinMQ).
    public var tlsKey: String?
    /// `tls_min_version`: the lowest TLS version accepted, one of "1.0", "1.1", "1.2", "1.3"
    /// ("TLSv1.2" style is accepted and normalised to "1.2").
    public var tlsMinVersion: String = "1.2"
    /// `tls_ciphers`: an OpenSSL cipher list for TLS ≤ 1.2; nil keeps OpenSSL's default.
    public var tlsCiphers: String?
    /// `tls_verify_peer`: require and verify a client certificate against ``tlsCaCert``.
    public var tlsVerifyPeer: Bool = false
    /// `tls_ca_cert`: PEM file of CAs trusted for client certificates.
    public var tlsCaCert: String?
    /// `default_user`: the user created when no users exist (design §3).
    public var defaultUser: String = "guest"
    /// `default_password_hash`: RabbitMQ-format hash of the default user's password; nil means the hash of "guest",
    /// made at start so that no fixed salt ships in the binary.
    public var defaultPasswordHash: String?
    /// `default_user_only_loopback`: the default user may log in only from 127.0.0.0/8 and ::1.
    public var defaultUserOnlyLoopback: Bool = true
    /// `auth_backends`: the authentication chain, tried in order; known backends are "local" and "oauth".
    public var authBackends: [String] = ["local"]
    /// `load_definitions`: a RabbitMQ-format definitions JSON imported additively at every start.
    public var loadDefinitions: String?
    /// `sync`: fsync persistent messages before confirming them (design §6). `--no-sync` turns it off for benchmarks.
    public var sync: Bool = true
    /// `free_disk_min`: publishers are blocked when free space on the data dir falls below this many bytes; 0 disables.
    /// Accepts a unit suffix (see ``ConfigurationLoader``).
    public var freeDiskMin: Int64 = 0
    /// `max_message_memory`: when messages held in memory exceed this many bytes, publishers are blocked
    /// (AMQP connection.blocked) until they fall below 90 % of it; 0 means 40 % of physical memory.
    public var maxResourceAlarm: Int64 = 0
    /// `segment_size`: the size in bytes at which a message segment file is closed and a new one started.
    public var segmentSize: Int = 8 * 1024 * 1024

    /// The defaults.
    public init() {}

    /// The event-loop threads `io_threads = 0` starts on a machine with `cores` CPU cores: one fewer than the cores,
    /// at least one. The kernel's TCP work for each message (about half of its CPU, measured) and the clients on the
    /// same host need a core. Measured on 2 cores, one loop instead of two used 20 % less CPU for MQTT QoS 1 at
    /// 10 000 msg/s and moved 46 % more QoS 1 messages as fast as possible (QoS 0: 7 % fewer), because two loops
    /// pass each subscriber's objects between two cores on every message.
    public static func defaultIOThreads(cores: Int) -> Int {
        max(1, cores - 1)
    }
}
