/// A `FileChange` as received from the leader: the same change, owning its bytes.
public enum ReplicatedChange: Equatable, Sendable {
    case write(path: String, offset: Int, bytes: [UInt8])
    case truncate(path: String, size: Int)
    case create(path: String)
    case remove(path: String)
    case rename(from: String, to: String)
    case makeDirectory(path: String)
    case removeDirectory(path: String)
}
