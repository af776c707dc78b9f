/// One file or directory of a data directory, as the replication's bulk sync compares them: its path relative to the
/// data directory, and for a file its size and CRC-32C.
public struct FileIndexEntry: Sendable, Equatable {
    /// Relative path (`queues/<hash>/msgs.0000000001`).
    public var path: String
    /// True for a directory (size and checksum 0).
    public var isDirectory: Bool
    /// File size in bytes.
    public var size: Int
    /// CRC-32C of the whole file.
    public var checksum: UInt32

    /// An entry for `path`.
    public init(path: String, isDirectory: Bool, size: Int, checksum: UInt32) {
        self.path = path
        self.isDirectory = isDirectory
        self.size = size
        self.checksum = checksum
    }
}
