import Bytes
import Storage

/// The leader's half of a bulk-sync round: the changes that turn a follower's files (its index) into the leader's.
/// A file the follower holds a prefix of gets only the rest; any other difference gets the whole file.
enum BulkSync {
    /// Encodes the changes into `out`, calling `flush` whenever more than `flushAt` bytes are waiting (nil: never).
    static func changes(
        root: String, ours: [FileIndexEntry], theirs: [FileIndexEntry], into out: inout ByteBuffer,
        flushAt: Int? = nil, flush: (inout ByteBuffer) throws(ReplicationFailure) -> Void = { _ throws(ReplicationFailure) in }
    ) throws(ReplicationFailure) {
        var theirsByPath: [String: FileIndexEntry] = [:]
        for entry in theirs { theirsByPath[entry.path] = entry }
        let ourPaths = Set(ours.map(\.path))
        for entry in theirs.reversed() where !ourPaths.contains(entry.path) {
            let change: ReplicatedChange = entry.isDirectory ? .removeDirectory(path: entry.path) : .remove(path: entry.path)
            ReplicationCodec.encode(.change(change), into: &out)
        }
        for entry in ours {
            let theirsNow = theirsByPath[entry.path]
            if entry.isDirectory {
                if theirsNow?.isDirectory != true {
                    if theirsNow != nil { ReplicationCodec.encode(.change(.remove(path: entry.path)), into: &out) }
                    ReplicationCodec.encode(.change(.makeDirectory(path: entry.path)), into: &out)
                }
                continue
            }
            var from = 0
            if let t = theirsNow, !t.isDirectory {
                if t.size == entry.size && t.checksum == entry.checksum { continue }
                if t.size < entry.size, try prefixChecksum(root, entry.path, t.size) == t.checksum {
                    from = t.size
                }
            } else if theirsNow?.isDirectory == true {
                ReplicationCodec.encode(.change(.removeDirectory(path: entry.path)), into: &out)
            }
            if from == 0 { ReplicationCodec.encode(.change(.truncate(path: entry.path, size: 0)), into: &out) }
            try copy(root, entry.path, from: from, into: &out, flushAt: flushAt, flush: flush)
        }
    }

    private static func prefixChecksum(_ root: String, _ path: String, _ length: Int) throws(ReplicationFailure) -> UInt32? {
        do { return try FileIndex.checksum(root: root, path: path, length: length) } catch { throw ReplicationFailure(error) }
    }

    /// The file's bytes from `from` to its end (as it is now) as write changes.
    private static func copy(
        _ root: String, _ path: String, from: Int, into out: inout ByteBuffer, flushAt: Int?,
        flush: (inout ByteBuffer) throws(ReplicationFailure) -> Void
    ) throws(ReplicationFailure) {
        var offset = from
        while true {
            let piece: [UInt8]?
            do {
                piece = try FileIndex.read(root: root, path: path, offset: offset, count: ReplicationCodec.maxWriteChunk)
            } catch { throw ReplicationFailure(error) }
            guard let piece, !piece.isEmpty else { return }
            ReplicationCodec.encode(.change(.write(path: path, offset: offset, bytes: piece)), into: &out)
            offset += piece.count
            if let flushAt, out.readableBytes >= flushAt { try flush(&out) }
            if piece.count < ReplicationCodec.maxWriteChunk { return }
        }
    }
}
