/// The `[mgmt]` section: the management HTTP API listeners (design §8).
public struct MgmtSection: Sendable, Equatable {
    /// `bind`: the address the HTTP listeners bind to.
    public var bind: String = "127.0.0.1"
    /// `port`: plain HTTP port; 0 picks an ephemeral port.
    public var port: Int = 15672
    /// `tls_port`: HTTPS port, used when a certificate is configured.
    public var tlsPort: Int = 15671

    /// The defaults.
    public init() {}
}
