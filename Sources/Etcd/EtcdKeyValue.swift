/// One key as etcd stores it.
public struct EtcdKeyValue: Sendable, Equatable {
    public let key: String
    public let value: [UInt8]
    /// The revision that created the key (campaigns compare it with 0: "does not exist").
    public let createRevision: Int64
    public let modRevision: Int64
    /// The lease the key is attached to (0: none): it vanishes when the lease expires.
    public let lease: Int64
}
