/// What the management API reports about the node and how it limits requests (`[mgmt]` and the rest of the
/// configuration, fixed at start).
public struct ManagementConfiguration: Sendable {
    /// The product version reported as `product_version` and `rabbitmq_version`.
    public var productVersion = "0.0.0"
    /// The node name (`gateway@<host>`).
    public var nodeName = "gateway@localhost"
    /// The data directory (`disk_free` in `/api/nodes` is measured on its file system).
    public var dataDirectory = ""
    /// `[main] free_disk_min`: below it the disk alarm blocks publishers (0: no check).
    public var freeDiskLimit: Int64 = 0
    /// `[main] max_message_memory` in bytes (`Int.max`: unlimited).
    public var memoryLimit = Int.max
    /// Event loop threads serving clients.
    public var ioThreads = 1
    /// A request must arrive whole within this many seconds (else 408 and close), and an idle keep-alive
    /// connection is closed after it.
    public var requestTimeoutSeconds = 10
    /// Request head limit (431 above it).
    public var maxHeadBytes = 8192
    /// Request body limit (413 above it).
    public var maxBodyBytes = 16 << 20
    /// The node's cluster status, read per request; nil when clustering is off.
    public var clusterStatus: (@Sendable () -> ClusterStatus)?

    /// The defaults.
    public init() {}
}
