/// What the management API reports about the node and how it limits requests (`[mgmt]` and the rest of the
/// configuration, fixed at start).
public struct ManagementConfiguration: Sendable {
    /// The product version reported as `product_version` and `rabbitmq_version`.
    public var productVersion = "0.0.0"
    /// The node name (`gateway@<host>`).
    public var nodeName = "gateway@localhost"
    /// A request must arrive whole within this many seconds (else 408 and close), and an idle keep-alive
    /// connection is closed after it.
    public var requestTimeoutSeconds = 10
    /// Request head limit (431 above it).
    public var maxHeadBytes = 8192
    /// Request body limit (413 above it).
    public var maxBodyBytes = 16 << 20

    /// The defaults.
    public init() {}
}
