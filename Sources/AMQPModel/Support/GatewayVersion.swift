/// The broker's version, reported by `gateway --version` and in AMQP server properties.
public enum GatewayVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
