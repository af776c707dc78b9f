import Glibc

/// A state kept as a snapshot plus an append-only log of changes since it: for definitions, MQTT sessions and
/// retained messages, where each change is small and must be durable on its own, and rewriting everything on
/// every change would cost too much.
///
/// The caller appends one record per change (its encoding is the caller's: e.g. "put key value" / "delete key")
/// and, when the log has grown (say past the snapshot's size), calls `compact(with:)` with an encoding of the
/// whole current state. At startup it reads `readSnapshot()` and applies `replay` on top.
///
/// ## On-disk format
/// In `directory`, for log `name`:
///
/// `<name>.snapshot`, an `AtomicFile` whose content is
/// ```
/// 0   8   generation  UInt64 little-endian
/// 8   n   snapshot    the caller's bytes
/// ```
/// `<name>.log`:
/// ```
/// offset  size  field
/// 0       4     magic "GWLG"
/// 4       4     format version, UInt32 little-endian = 1
/// 8       8     generation, UInt64 LE: the snapshot this log continues
/// 16      ...   records, each: length UInt32 LE, crc UInt32 LE (CRC-32C of the length bytes and payload), payload
/// ```
/// No snapshot file means generation 0 and an empty initial state.
///
/// ## Crash safety
/// `compact` writes the snapshot with generation g+1 (atomically), then replaces the log with an empty one of
/// generation g+1 (written to `<name>.log.tmp`, synced, renamed, directory synced). A crash between the two
/// leaves a log of generation g beside a snapshot of g+1: its records are already in the snapshot, so opening
/// discards it. A log newer than its snapshot means the snapshot was removed by hand: an error, not a guess.
/// A torn or corrupt tail of the log is cut off and logged, as in segment files.
public final class AppendLog {
    /// Path of the log file.
    public let logPath: String
    /// The snapshot file.
    public let snapshotFile: AtomicFile
    /// Generation of the current snapshot (0 before the first compaction).
    public private(set) var generation: UInt64
    /// Bytes in the log file, header included: a cue for when to compact.
    public private(set) var logSize: Int

    private static let headerSize = FileHeader.size + 8
    private var fd: Int32
    private var dirty = false
    private var scratch: [UInt8] = []

    /// Opens (creating if needed) log `name` in `directory` (created 0700 with parents if missing), validates
    /// it and cuts off a damaged tail, reporting it through `log`.
    public init(directory: String, name: String, log: (String) -> Void) throws(StorageError) {
        try FileIO.makeDirectories(directory)
        logPath = directory + "/" + name + ".log"
        snapshotFile = AtomicFile(path: directory + "/" + name + ".snapshot")
        generation = 0
        logSize = 0
        fd = -1
        if let content = try snapshotFile.read() {
            generation = try AppendLog.generation(ofSnapshot: content, path: snapshotFile.path)
        }
        try recover(log: log)
    }

    deinit {
        if fd >= 0 { FileIO.close(fd) }
    }

    /// The state the log continues from (without its generation prefix), or nil before the first compaction.
    public func readSnapshot() throws(StorageError) -> [UInt8]? {
        guard let content = try snapshotFile.read() else { return nil }
        return Array(content.dropFirst(8))
    }

    /// Calls `body` with every record appended since the snapshot, oldest first. The pointer is valid only
    /// during the call.
    public func replay(_ body: (UnsafeRawBufferPointer) -> Void) throws(StorageError) {
        try FileIO.withMapped(fd, size: logSize, path: logPath) { file in
            _ = RecordFrame.scan(file, from: AppendLog.headerSize) { _, payload in body(payload) }
        }
    }

    /// Appends a record to the file (written now, durable after the next `sync`). On failure the file is cut
    /// back to its previous end and the record is not appended.
    public func append(_ record: UnsafeRawBufferPointer) throws(StorageError) {
        guard record.count <= Int(UInt32.max) - logSize - RecordFrame.headerSize else {
            throw StorageError(
                .invalidArgument, operation: "append", path: logPath,
                detail: "a record of \(record.count) bytes does not fit; compact the log")
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: repeatElement(0, count: RecordFrame.headerSize))
        scratch.withUnsafeMutableBytes { RecordFrame.writeHeader(for: record, to: $0.baseAddress!) }
        scratch.append(contentsOf: record)
        let (fd, start, path) = (fd, logSize, logPath)
        do {
            try scratch.withTypedBytes { (b) throws(StorageError) in try FileIO.pwriteAll(fd, b, at: start, path: path)
            }
        } catch {
            try? FileIO.truncate(fd, to: start, path: path)
            throw error
        }
        logSize += scratch.count
        dirty = true
    }

    /// Appends a record; see `append(_:)`.
    public func append(_ record: [UInt8]) throws(StorageError) {
        try record.withTypedBytes { (r) throws(StorageError) in try append(r) }
    }

    /// Makes every appended record durable (`fdatasync` of the log, if written since the last sync).
    public func sync() throws(StorageError) {
        guard dirty else { return }
        try FileIO.dataSync(fd, path: logPath)
        dirty = false
    }

    /// Replaces snapshot and log with `snapshot`, which must encode the whole current state (everything appended
    /// so far included), and an empty log. Durable when it returns; a crash at any point leaves a state that
    /// opens as either the old snapshot plus log or the new snapshot.
    public func compact(with snapshot: UnsafeRawBufferPointer) throws(StorageError) {
        let next = generation + 1
        var content: [UInt8] = []
        content.reserveCapacity(8 + snapshot.count)
        withUnsafeBytes(of: next.littleEndian) { content.append(contentsOf: $0) }
        content.append(contentsOf: snapshot)
        try snapshotFile.write(content)
        generation = next
        try resetLog()
    }

    /// Compacts; see `compact(with:)`.
    public func compact(with snapshot: [UInt8]) throws(StorageError) {
        try snapshot.withTypedBytes { (s) throws(StorageError) in try compact(with: s) }
    }

    /// Syncs and closes the log file. The log cannot be used afterwards.
    public func close() throws(StorageError) {
        guard fd >= 0 else { return }
        try sync()
        FileIO.close(fd)
        fd = -1
    }

    /// Opens the log, discarding it if it predates the snapshot and cutting off a damaged tail.
    private func recover(log: (String) -> Void) throws(StorageError) {
        let existing: Int32
        do {
            existing = try FileIO.open(logPath, O_RDWR)
        } catch {
            guard error.errno == ENOENT else { throw error }
            try resetLog()
            return
        }
        fd = existing
        let size = try FileIO.size(fd, path: logPath)
        let (path, expected) = (logPath, generation)
        let state = try FileIO.withMapped(fd, size: size, path: path) {
            (file) throws(StorageError) -> (logGeneration: UInt64?, end: Int, damage: String?) in
            switch FileHeader.appendLog.check(file) {
            case .foreign:
                throw StorageError(
                    .unrecognizedFormat, operation: "open log", path: path, detail: FileHeader.appendLog.mismatch(file))
            case .torn:
                return (nil, 0, nil)
            case .valid:
                guard file.count >= AppendLog.headerSize else { return (nil, 0, nil) }
                let g = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: FileHeader.size, as: UInt64.self))
                guard g == expected else { return (g, 0, nil) }
                let result = RecordFrame.scan(file, from: AppendLog.headerSize) { _, _ in }
                return (g, result.end, result.damage)
            }
        }
        guard let logGeneration = state.logGeneration else {
            log("\(logPath): replaced a log of \(size) bytes with an incomplete header (torn at creation)")
            try resetLog()
            return
        }
        if logGeneration < generation {
            log(
                "\(logPath): discarded log generation \(logGeneration), already contained in snapshot generation \(generation) (compaction was interrupted)"
            )
            try resetLog()
            return
        }
        if logGeneration > generation {
            throw StorageError(
                .corrupt, operation: "open log", path: logPath,
                detail:
                    "log generation \(logGeneration) continues a snapshot newer than \(snapshotFile.path) (generation \(generation)); was the snapshot removed?"
            )
        }
        if let damage = state.damage {
            log("\(logPath): truncated \(size - state.end) bytes at offset \(state.end) (\(damage))")
            try FileIO.truncate(fd, to: state.end, path: logPath)
        }
        logSize = state.end
    }

    /// Replaces the log file by an empty one of the current generation (temporary file, sync, rename, sync
    /// directory) and opens it for appends.
    private func resetLog() throws(StorageError) {
        var header = FileHeader.appendLog.bytes
        withUnsafeBytes(of: generation.littleEndian) { header.append(contentsOf: $0) }
        let tmp = logPath + ".tmp"
        let newFD = try FileIO.open(tmp, O_RDWR | O_CREAT | O_TRUNC)
        do {
            try header.withTypedBytes { (b) throws(StorageError) in try FileIO.pwriteAll(newFD, b, at: 0, path: tmp) }
            try FileIO.dataSync(newFD, path: tmp)
            try FileIO.rename(tmp, logPath)
            try FileIO.syncDirectory(FileIO.parentDirectory(of: logPath))
        } catch {
            FileIO.close(newFD)
            try? FileIO.remove(tmp)
            throw error
        }
        if fd >= 0 { FileIO.close(fd) }
        fd = newFD
        logSize = header.count
        dirty = false
    }

    /// The generation prefix of a snapshot file's content.
    private static func generation(ofSnapshot content: [UInt8], path: String) throws(StorageError) -> UInt64 {
        guard content.count >= 8 else {
            throw StorageError(
                .corrupt, operation: "open log", path: path,
                detail: "snapshot of \(content.count) bytes has no generation")
        }
        return content.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }
}
