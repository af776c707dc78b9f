import Glibc

/// A small file replaced as a whole: after a crash at any point it holds either the old contents or the new,
/// never a mix (definitions snapshots, `AppendLog` snapshots).
///
/// `write` puts the new contents in `<path>.tmp`, `fdatasync`s it, `rename`s it over `<path>` (atomic on POSIX
/// file systems) and `fsync`s the directory so the rename itself is durable. A crash before the rename leaves
/// the old file and a stale `.tmp`, which the next `write` overwrites and `read` ignores.
///
/// ## On-disk format
/// ```
/// offset  size  field
/// 0       4     magic "GWAF"
/// 4       4     format version, UInt32 little-endian = 1
/// 8       4     length   UInt32 LE: content bytes
/// 12      4     crc      UInt32 LE: CRC-32C of the 4 length bytes followed by the content
/// 16      n     content
/// ```
/// The file is exactly `16 + length` bytes. The checksum guards against damage the rename protocol cannot
/// prevent (a failing disk, a hand edit): such a file is reported as corrupt rather than half-read.
public struct AtomicFile: Sendable {
    /// Path of the file.
    public let path: String

    /// The file at `path` (nothing is touched until `read` or `write`).
    public init(path: String) {
        self.path = path
    }

    /// Where `write` prepares the new contents.
    public var temporaryPath: String { path + ".tmp" }

    /// The contents, or nil when the file does not exist. Throws `corrupt` or `unrecognizedFormat` for a file
    /// that fails its checks.
    public func read() throws(StorageError) -> [UInt8]? {
        let fd: Int32
        do {
            fd = try FileIO.open(path, O_RDONLY)
        } catch {
            if error.errno == ENOENT { return nil }
            throw error
        }
        defer { FileIO.close(fd) }
        let size = try FileIO.size(fd, path: path)
        return try FileIO.withMapped(fd, size: size, path: path) { (file) throws(StorageError) -> [UInt8] in
            guard FileHeader.atomicFile.check(file) == .valid else {
                throw StorageError(
                    .unrecognizedFormat, operation: "read", path: path, detail: FileHeader.atomicFile.mismatch(file))
            }
            var content: [UInt8]?
            let result = RecordFrame.scan(file, from: FileHeader.size) { _, payload in
                if content == nil { content = [UInt8](payload) }
            }
            guard let content, result.damage == nil,
                result.end == FileHeader.size + RecordFrame.headerSize + content.count
            else {
                throw StorageError(
                    .corrupt, operation: "read", path: path,
                    detail: "expected one record with a valid length and CRC filling the file (\(size) bytes)")
            }
            return content
        }
    }

    /// Replaces the contents durably and atomically (write temporary, sync, rename, sync directory).
    public func write(_ contents: UnsafeRawBufferPointer) throws(StorageError) {
        try writeTemporary(contents)
        try FileIO.rename(temporaryPath, path)
        try FileIO.syncDirectory(FileIO.parentDirectory(of: path))
    }

    /// Replaces the contents; see `write(_:)`.
    public func write(_ contents: [UInt8]) throws(StorageError) {
        try contents.withTypedBytes { (c) throws(StorageError) in try write(c) }
    }

    /// The first step of `write`: the framed contents in `temporaryPath`, synced. On failure the temporary file
    /// is removed.
    func writeTemporary(_ contents: UnsafeRawBufferPointer) throws(StorageError) {
        guard contents.count <= Int(UInt32.max) else {
            throw StorageError(
                .invalidArgument, operation: "write", path: path, detail: "\(contents.count) bytes is too large")
        }
        var framed = FileHeader.atomicFile.bytes
        framed.append(contentsOf: repeatElement(0, count: RecordFrame.headerSize))
        framed.withUnsafeMutableBytes { RecordFrame.writeHeader(for: contents, to: $0.baseAddress! + FileHeader.size) }
        framed.append(contentsOf: contents)
        let tmp = temporaryPath
        let fd = try FileIO.open(tmp, O_WRONLY | O_CREAT | O_TRUNC)
        defer { FileIO.close(fd) }
        do {
            try framed.withTypedBytes { (b) throws(StorageError) in try FileIO.pwriteAll(fd, b, at: 0, path: tmp) }
            try FileIO.dataSync(fd, path: tmp)
        } catch {
            try? FileIO.remove(tmp)
            throw error
        }
    }
}
