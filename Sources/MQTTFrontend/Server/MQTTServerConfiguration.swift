/// Limits and policies of the MQTT listener, fixed at start (design §4, `[mqtt]` in the configuration).
import MQTTCodec

public struct MQTTServerConfiguration: Sendable {
    /// Vhost for user names without a `vhost:` prefix.
    public var defaultVhost = "/"
    /// Check configure/write/read permissions on publish, subscribe and wills (vhost access is always checked).
    public var permissionCheckEnabled = false
    /// Most QoS 1/2 messages in flight to one client.
    public var maxInflightMessages = 65535
    /// Largest packet accepted from a client, fixed header included.
    public var maxPacketSize = 268_435_455
    /// Upper bound on the keepalive a client may ask for (seconds).
    public var maxKeepalive: UInt16 = 65535
    /// When true, a client id must equal the user name it logs in with.
    public var clientIdMustMatchUsername = false
    /// Accept CONNECTs without user name or password as `anonymousUser`.
    public var allowAnonymous = false
    /// The user anonymous clients act as; nil means the default user.
    public var anonymousUser: String?
    /// Keep QoS 0 messages for persistent sessions while they are offline.
    public var queueQoS0Offline = false
    /// Upper bound on an MQTT 5 client's session expiry interval (seconds; `UInt32.max`: never expires).
    public var maxSessionExpiryInterval: UInt32 = 86400
    /// Topic aliases an MQTT 5 client may use towards the server (0: none).
    public var topicAliasMaximum: UInt16 = 16
    /// Most levels in a topic name or filter.
    public var maxTopicLevels = 128
    /// Most topic filters one session may hold.
    public var maxSubscriptionsPerSession = 1000
    /// A CONNECT must arrive within this many seconds of accept.
    public var connectTimeout = 10
    /// The default user's name; it may log in only from loopback when `defaultUserOnlyLoopback` is set.
    public var defaultUser = "guest"
    /// Restrict the default user to loopback peers.
    public var defaultUserOnlyLoopback = true

    /// The defaults.
    public init() {}
}
