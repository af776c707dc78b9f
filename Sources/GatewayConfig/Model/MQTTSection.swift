/// The `[mqtt]` section: MQTT listeners and MQTT-specific behaviour (design §4).
public struct MQTTSection: Sendable, Equatable {
    /// `bind`: the address the MQTT listeners bind to.
    public var bind: String = "127.0.0.1"
    /// `port`: plain MQTT port; 0 picks an ephemeral port.
    public var port: Int = 1883
    /// `tls_port`: MQTTS port, used when a certificate is configured.
    public var tlsPort: Int = 8883
    /// `default_vhost`: the vhost of a client whose username has no `vhost:` prefix.
    public var defaultVhost: String = "/"
    /// `permission_check_enabled`: check write/read permissions on publish and subscribe
    /// (vhost access is always checked).
    public var permissionCheckEnabled: Bool = false
    /// `max_inflight_messages`: unacknowledged QoS 1/2 deliveries per session (1-65535);
    /// MQTT 5 clients may ask for fewer (receive maximum).
    public var maxInflightMessages: Int = 65535
    /// `max_packet_size`: the largest packet accepted, in bytes (MQTT's limit is 268435455).
    public var maxPacketSize: Int = 268_435_455
    /// `max_keepalive`: caps the keepalive a client asks for, in seconds.
    public var maxKeepalive: UInt16 = 65535
    /// `client_id_validation`: what a client id must satisfy to be accepted.
    public var clientIdValidation: ClientIdValidation = .none
    /// `allow_anonymous`: let clients without username or password in as ``anonymousUser``.
    public var allowAnonymous: Bool = false
    /// `anonymous_user`: the user anonymous clients act as; nil means the default user.
    public var anonymousUser: String?
    /// `queue_qos0_offline`: keep QoS 0 messages for offline persistent sessions instead of dropping them.
    public var queueQos0Offline: Bool = false
    /// `max_session_expiry_interval`: caps the session expiry interval an MQTT 5 client asks for, in seconds
    /// (4294967295: a session may never expire).
    public var maxSessionExpiryInterval: UInt32 = 86400
    /// `topic_alias_maximum`: topic aliases an MQTT 5 client may use towards the server (0: none).
    public var topicAliasMaximum: UInt16 = 16
    /// `max_topic_levels`: most `/`-separated levels in a topic name or filter.
    public var maxTopicLevels: Int = 128
    /// `max_subscriptions_per_session`: most topic filters one session may subscribe to.
    public var maxSubscriptionsPerSession: Int = 1000
    /// `ws_bind`: the address the MQTT over WebSocket listeners bind to.
    public var wsBind: String = "127.0.0.1"
    /// `ws_port`: MQTT over WebSocket (paths `/mqtt` and `/ws`); 0 picks an ephemeral port.
    public var wsPort: Int = 15675
    /// `wss_port`: MQTT over secure WebSocket, used when a certificate is configured.
    public var wssPort: Int = 15676

    /// The defaults.
    public init() {}
}
