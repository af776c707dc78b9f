/// The whole broker configuration, one struct per INI section.
///
/// Built by ``ConfigurationLoader/load(arguments:environment:)`` from defaults, the INI file, the environment and
/// command-line flags (in that order, later sources winning). Names follow LavinMQ's configuration file so that an
/// existing `lavinmq.ini` mostly carries over (design §7).
public struct GatewayConfiguration: Sendable, Equatable {
    /// `[main]`: storage, logging, TLS material, the default user, authentication.
    public var main: MainSection
    /// `[amqp]`: the AMQP 0-9-1 listeners and connection limits.
    public var amqp: AMQPSection
    /// `[mqtt]`: the MQTT listeners and MQTT-specific behaviour.
    public var mqtt: MQTTSection
    /// `[mgmt]`: the management HTTP listeners.
    public var mgmt: MgmtSection
    /// `[oauth]`: JWT validation for the OAuth2 authentication backend.
    public var oauth: OAuthSection
    /// `[clustering]`: leader election through etcd.
    public var clustering: ClusteringSection

    /// A configuration with every key at its default: loopback binds, default ports, data in `./gateway-data`.
    public init() {
        main = MainSection()
        amqp = AMQPSection()
        mqtt = MQTTSection()
        mgmt = MgmtSection()
        oauth = OAuthSection()
        clustering = ClusteringSection()
    }
}
