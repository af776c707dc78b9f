// swift-tools-version:6.0
import PackageDescription

// Release builds skip the runtime's dynamic exclusivity checks (a thread-local access set updated on every class
// property access: about 5 % of the broker's CPU at 10 000 msg/s); debug builds, which the tests run, keep them.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Gateway",
    products: [
        .executable(name: "gateway", targets: ["Gateway"]),
        .executable(name: "gatewayperf", targets: ["GatewayPerf"]),
        .executable(name: "gatewayctl", targets: ["GatewayCtl"]),
    ],
    targets: [
        // C shims: epoll/eventfd/timerfd/socket helpers that `import Glibc` does not expose.
        .target(name: "CLinux"),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),

        // The one lock type every module uses (a plain pthread mutex; see design §9) and the one way to start a thread.
        .target(name: "Locks", dependencies: ["CLinux"], swiftSettings: strict),
        // Growable byte buffer shared by transport, codecs and the core.
        .target(name: "Bytes", swiftSettings: strict),
        // Monotonic and wall clocks in the units the core and authentication use.
        .target(name: "Clocks", swiftSettings: strict),
        // Value types the codecs, the core and authentication share: names as bytes, field tables, message properties.
        .target(name: "AMQPValues", swiftSettings: strict),
        // Segment files, acks, atomic files, append logs (knows no protocol).
        .target(name: "Storage", dependencies: ["Locks", "COpenSSL"], swiftSettings: strict),
        // Epoll event loops, TCP listeners, connections and outbound connects; TLS; PROXY headers from trusted peers.
        .target(
            name: "Transport", dependencies: ["CLinux", "Bytes", "Locks", "COpenSSL", "ProxyProtocol"],
            swiftSettings: strict),
        // Users, password hashes, permissions, the authentication chain (local users, OAuth2 tokens) and authorization.
        .target(name: "Auth", dependencies: ["AMQPValues", "Bytes", "Clocks", "Locks", "COpenSSL", "CCrypt"], swiftSettings: strict),
        // The core: vhosts, exchanges, queues, bindings, messages, durable storage glue. No auth, no wire format.
        .target(
            name: "AMQPModel", dependencies: ["AMQPValues", "Bytes", "Clocks", "Locks", "Storage"],
            swiftSettings: strict),
        // AMQP 0-9-1 wire format: frames, methods, field tables, content headers, the message record. No I/O.
        .target(name: "AMQPWire", dependencies: ["AMQPValues", "Bytes"], swiftSettings: strict),
        // MQTT 3.1/3.1.1/5.0 wire format: control packets, properties, reason codes, decoder, encoder, topic name and
        // filter rules. No I/O.
        .target(name: "MQTTCodec", dependencies: ["AMQPValues", "Bytes"], swiftSettings: strict),
        // The policies both frontends apply, written once: login and vhost access, durable acknowledgements,
        // publisher flow control (resource alarm, overloaded queues), the consumer sink.
        .target(name: "FrontendSupport", dependencies: ["AMQPModel", "Auth", "Transport"], swiftSettings: strict),
        // AMQP 0-9-1 server: connection and channel state machines on the core.
        .target(
            name: "AMQPFrontend",
            dependencies: [
                "AMQPWire", "AMQPModel", "AMQPValues", "Auth", "FrontendSupport", "Transport", "Bytes", "Clocks",
                "Locks",
            ],
            swiftSettings: strict),
        // MQTT server: connection state machines and sessions on the core.
        .target(
            name: "MQTTFrontend",
            dependencies: [
                "MQTTCodec", "AMQPModel", "AMQPValues", "Auth", "FrontendSupport", "HTTPCodec", "Transport", "Bytes",
                "Clocks", "Locks", "WebSocketCodec",
            ],
            swiftSettings: strict),
        // etcd v3 through its JSON gateway: leases, keys, leadership campaigns (clustering's coordination).
        .target(name: "Etcd", dependencies: ["Bytes", "HTTPFetch", "JSON"], swiftSettings: strict),
        // The PROXY protocol v2 header (a follower forwarding client connections to the leader): no I/O.
        .target(name: "ProxyProtocol", swiftSettings: strict),
        // A follower's client connections relayed to the leader behind a PROXY header, TLS untouched: no core.
        .target(name: "Forwarding", dependencies: ["Transport", "ProxyProtocol", "Bytes"], swiftSettings: strict),
        // Clustering: leader election on an etcd lease (a pure state machine and the thread that runs it).
        .target(name: "Cluster", dependencies: ["Etcd", "Clocks", "Locks"], swiftSettings: strict),
        .target(
            name: "Replication", dependencies: ["Storage", "Bytes", "Clocks", "Locks", "CLinux"], swiftSettings: strict),
        // RFC 6455 framing and the opening handshake, for MQTT over WebSocket: no core.
        .target(name: "WebSocketCodec", dependencies: ["Bytes", "COpenSSL", "HTTPCodec"], swiftSettings: strict),
        // JSON values, a strict reader and a deterministic writer (definitions files, the management API).
        .target(name: "JSON", swiftSettings: strict),
        // HTTP/1.1 wire format: request parser with limits, responses, percent-encoding. No I/O.
        .target(name: "HTTPCodec", dependencies: ["Bytes"], swiftSettings: strict),
        // Configuration: INI file, flags, environment, definitions JSON.
        .target(name: "GatewayConfig", dependencies: ["AMQPValues", "JSON"], swiftSettings: strict),
        // The management plane: RabbitMQ-compatible HTTP API on its own thread, definitions import and export.
        .target(
            name: "Management",
            dependencies: [
                "AMQPModel", "AMQPValues", "Auth", "Bytes", "Clocks", "FrontendSupport", "GatewayConfig", "HTTPCodec",
                "JSON", "Locks", "Transport",
            ],
            // The web console, compiled into the binary as byte arrays (`PackageResources`): no files to ship.
            resources: [
                .embedInCode("Console/index.html"), .embedInCode("Console/app.js"), .embedInCode("Console/app.css"),
            ],
            swiftSettings: strict),
        // Blocking HTTP/1.1 GET over TCP or TLS, for fetching JWKS and OpenID discovery documents off the loops.
        .target(name: "HTTPFetch", dependencies: ["COpenSSL"], swiftSettings: strict),
        .executableTarget(
            name: "Gateway",
            dependencies: [
                "GatewayConfig", "AMQPFrontend", "AMQPWire", "MQTTFrontend", "AMQPModel", "AMQPValues", "Auth", "Bytes",
                "Clocks", "Storage", "Transport", "HTTPFetch", "JSON", "Management", "FrontendSupport", "Cluster", "Etcd",
                "Replication", "Forwarding",
                "Locks",
            ],
            swiftSettings: strict,
            // jemalloc replaces glibc malloc in the broker: a message is allocated on the publisher's loop and
            // freed on the consumer's, and glibc's per-arena locks made those cross-thread frees cost ~20% CPU.
            linkerSettings: [.linkedLibrary("jemalloc")]),
        // `gatewayctl`: rabbitmqctl-style verbs over the management HTTP API.
        .executableTarget(
            name: "GatewayCtl", dependencies: ["Auth", "Bytes", "HTTPCodec", "HTTPFetch", "JSON"],
            swiftSettings: strict),
        .executableTarget(
            name: "GatewayPerf",
            dependencies: ["AMQPWire", "MQTTCodec", "AMQPValues", "Bytes", "CLinux", "COpenSSL", "Locks", "WebSocketCodec"],
            swiftSettings: strict),

        // A throwaway CA for the TLS tests (openssl CLI), shared by the Transport and HTTPFetch tests.
        .target(name: "TLSTestSupport", path: "Tests/TLSTestSupport", swiftSettings: strict),
        // Test signing keys and a JWS signer, shared by the OAuth unit tests and the OAuth fuzz harness.
        .target(
            name: "JWTTestSupport", dependencies: ["Auth", "COpenSSL"], path: "Tests/JWTTestSupport",
            swiftSettings: strict),
        .testTarget(name: "BytesTests", dependencies: ["Bytes"], swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage"], swiftSettings: strict),
        // Blocking loopback clients (plain and TLS), a closure-driven handler and waiting helpers, shared by the
        // Transport and Forwarding tests.
        .target(
            name: "TransportTestSupport", dependencies: ["Transport", "Bytes", "COpenSSL", "TLSTestSupport"],
            path: "Tests/TransportTestSupport", swiftSettings: strict),
        .testTarget(
            name: "ReplicationTests", dependencies: ["Replication", "Storage", "Bytes", "Clocks", "Locks"],
            swiftSettings: strict),
        .testTarget(
            name: "TransportTests",
            dependencies: ["Transport", "Bytes", "COpenSSL", "ProxyProtocol", "TLSTestSupport", "TransportTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "ForwardingTests",
            dependencies: [
                "Forwarding", "Transport", "Bytes", "ProxyProtocol", "TLSTestSupport", "TransportTestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "AuthTests", dependencies: ["Auth", "AMQPValues", "Bytes", "Clocks", "JWTTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "AMQPModelTests", dependencies: ["AMQPModel", "AMQPValues", "Bytes", "Clocks", "Locks", "Storage"],
            swiftSettings: strict),
        .testTarget(name: "AMQPWireTests", dependencies: ["AMQPWire", "AMQPValues", "Bytes"], swiftSettings: strict),
        .testTarget(name: "MQTTCodecTests", dependencies: ["MQTTCodec", "AMQPValues", "Bytes"], swiftSettings: strict),
        .testTarget(
            name: "AMQPFrontendTests",
            dependencies: [
                "AMQPFrontend", "AMQPWire", "AMQPModel", "AMQPValues", "Auth", "Bytes", "Transport",
                "TransportTestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "FrontendSupportTests", dependencies: ["FrontendSupport", "AMQPModel", "Auth", "Transport"], swiftSettings: strict),
        .testTarget(
            name: "MQTTFrontendTests",
            dependencies: [
                "MQTTFrontend", "MQTTCodec", "AMQPModel", "AMQPValues", "Auth", "Transport", "TransportTestSupport",
            ],
            swiftSettings: strict),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strict),
        // A real etcd on free loopback ports, for the tests that need one.
        .target(name: "EtcdTestSupport", dependencies: ["Etcd"], path: "Tests/EtcdTestSupport", swiftSettings: strict),
        .testTarget(name: "EtcdTests", dependencies: ["Etcd", "EtcdTestSupport"], swiftSettings: strict),
        .testTarget(name: "ProxyProtocolTests", dependencies: ["ProxyProtocol"], swiftSettings: strict),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Etcd", "EtcdTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "WebSocketCodecTests", dependencies: ["WebSocketCodec", "Bytes", "HTTPCodec"], swiftSettings: strict),
        .testTarget(name: "ManagementTests", dependencies: ["Management", "HTTPCodec", "JSON"], swiftSettings: strict),
        .testTarget(name: "HTTPCodecTests", dependencies: ["HTTPCodec", "Bytes"], swiftSettings: strict),
        .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig", "AMQPValues"], swiftSettings: strict),
        .testTarget(
            name: "HTTPFetchTests", dependencies: ["HTTPFetch", "COpenSSL", "TLSTestSupport"], swiftSettings: strict),
    ]
)

// Coverage-guided fuzz targets (Fuzz/README.md, scripts/fuzz.sh), added only when GATEWAY_FUZZ is set: each one's
// main.swift hands control to libFuzzer's driver, so they link only with `-sanitize=fuzzer` and must stay out of a
// normal `swift build`.
if Context.environment["GATEWAY_FUZZ"] != nil {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzMQTT", ["MQTTCodec", "Bytes"]),
        ("FuzzAMQP", ["AMQPWire", "AMQPValues", "Bytes"]),
        ("FuzzOAuth", ["Auth", "JWTTestSupport"]),
        ("FuzzHTTP", ["HTTPFetch"]),
        ("FuzzHTTPRequest", ["HTTPCodec", "Bytes"]),
        ("FuzzWebSocket", ["WebSocketCodec", "HTTPCodec", "Bytes"]),
        ("FuzzConfig", ["GatewayConfig", "JSON"]),
        ("FuzzProxy", ["ProxyProtocol"]),
        ("FuzzReplication", ["Replication", "Bytes"]),
    ]
    package.targets.append(.systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"))
    package.targets += fuzzTargets.map { target in
        .executableTarget(
            name: target.name, dependencies: target.dependencies + ["CLibFuzzer"], path: "Fuzz/\(target.name)",
            swiftSettings: strict)
    }
}
