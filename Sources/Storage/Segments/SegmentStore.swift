import Glibc

/// The records of one durable queue, in append-only segment files with acks kept beside them.
///
/// One store per queue, in its own directory. Per queue rather than shared by all queues of a vhost because
/// then a segment's life depends on one queue's acks only (no reference counts across queues), deleting a
/// queue is deleting a directory, recovery of one queue reads only its files, and the store needs no lock of
/// its own: it is used under its queue's lock, like every `QueueStore`. The price is that a message routed
/// to several durable queues is written (and synced) once per queue.
///
/// ## On-disk format
/// Directory `<queue-dir>/` (created 0700) holds, for each segment sequence number `N` (UInt32, from 1,
/// written as 10 zero-padded decimal digits):
///
/// `msgs.N`, the segment file (0600), append-only:
/// ```
/// offset  size  field
/// 0       4     magic "GWSG"
/// 4       4     format version, UInt32 little-endian = 1
/// 8       ...   records, back to back, each:
///               length   UInt32 LE   payload bytes
///               crc      UInt32 LE   CRC-32C (Castagnoli) of the 4 length bytes followed by the payload
///               payload  length bytes, opaque to the store
/// ```
/// A record is addressed by `SegmentPosition(segment: N, offset: <offset of its length field>)`. A segment is
/// closed for appends once the next record would take it past `segmentSize` (a record larger than that gets a
/// segment of its own); segment files are never rewritten, only cut back to their last valid record by recovery.
///
/// `acks.N`, the ack file of segment `N` (0600), created at its first ack:
/// ```
/// offset  size  field
/// 0       4     magic "GWAK"
/// 4       4     format version, UInt32 little-endian = 1
/// 8       4*k   acked record offsets in msgs.N, UInt32 LE each, in ack order
/// ```
/// A missing ack file means no record of the segment is acked. A segment whose records are all acked is
/// deleted (`msgs.N`, then `acks.N`), except the segment currently being appended to.
///
/// ## Durability
/// `append` copies into a write buffer; `flush` writes buffered records and acks to the files (no sync);
/// `sync` flushes and then `fdatasync`s every file written since the last sync, and fsyncs the directory
/// when a file was created in it, so one `sync` makes every earlier `append` durable: group commit is the
/// caller calling `sync` once per batch. A write that fails is cut back off the file (`ftruncate`) and stays
/// buffered, so a later `flush` retries it, and the file never holds a half record followed by good ones.
/// Recovery (on `open`) accepts only complete records with a matching CRC, so whatever a crash leaves is cut
/// off, not misread.
///
/// ## Recovery policy
/// Every segment is scanned from its header. The first record that is incomplete (partial header or payload)
/// or fails its CRC ends the segment: the file is truncated there and the cut is logged with the file, the
/// offset and the byte count. Records after a CRC failure in the same segment are dropped too (a damaged length
/// leaves no reliable place to resume); other segments are unaffected. An ack file loses a torn last entry;
/// entries naming no record are ignored. A segment file shorter than its header (or zero-filled) holds no
/// records and is removed. A file with another magic or version is an error: it is not ours to cut.
public final class SegmentStore {
    /// Default maximum segment size: 8 MiB.
    public static let defaultSegmentSize = 8 * 1024 * 1024
    /// Default write buffer: 64 KiB. Larger records bypass it.
    public static let defaultWriteBufferSize = 64 * 1024
    /// Largest payload a record can hold (offsets are UInt32).
    public static let maxPayloadSize = Int(UInt32.max) - FileHeader.size - RecordFrame.headerSize

    /// The store's directory.
    public let directory: String
    /// Appends go to a new segment once the current one would grow past this many bytes.
    public let segmentSize: Int

    /// Segments on disk, ascending by sequence; the last is the one appends go to.
    private var segments: [Segment] = []
    /// File descriptor of the last segment while it is open for appends, or -1.
    private var writerFD: Int32 = -1
    /// Bytes of the last segment that are in the file (the rest of `segments.last!.end` is in `buffer`).
    private var fileEnd = 0
    /// Records waiting to be written to the last segment.
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    /// True when the last segment was written since the last sync.
    private var writerDirty = false
    /// Earlier writers with bytes not yet synced: kept open until the next sync.
    private var retired: [(sequence: UInt32, fd: Int32)] = []
    /// True when a file was created in the directory since the last sync.
    private var directoryDirty = false
    /// True when a failed write could not be cut back: truncate to `fileEnd` before the next write.
    private var needsTruncate = false
    /// True after a failed sync of the writer: the next append starts a new segment, so records made durable
    /// later never sit behind bytes the kernel may have dropped.
    private var writerSyncFailed = false
    /// A read-only descriptor for the segment most recently read, and its sequence.
    private var readFD: Int32 = -1
    private var readSequence: UInt32 = 0
    private var closed = false

    /// Number of records not yet acked.
    public private(set) var count = 0
    /// Payload bytes of the records not yet acked.
    public private(set) var byteCount = 0
    /// Bytes (framing included) appended since the last successful `sync`.
    public private(set) var unsyncedBytes = 0

    /// Opens (creating if needed, with missing parents, mode 0700) the store in `directory` and recovers it:
    /// every segment and ack file is validated, damage is cut off and described through `log`, fully acked
    /// segments other than the last are deleted. Afterwards `forEachUnacked` yields what survived.
    public init(
        directory: String, segmentSize: Int = SegmentStore.defaultSegmentSize,
        writeBufferSize: Int = SegmentStore.defaultWriteBufferSize, log: (String) -> Void
    ) throws(StorageError) {
        guard segmentSize > FileHeader.size + RecordFrame.headerSize, segmentSize <= Int(UInt32.max) else {
            throw StorageError(
                .invalidArgument, operation: "open segment store", path: directory,
                detail:
                    "segment size \(segmentSize) must be between \(FileHeader.size + RecordFrame.headerSize + 1) and \(UInt32.max)"
            )
        }
        self.directory = directory
        self.segmentSize = segmentSize
        buffer = .allocate(byteCount: max(writeBufferSize, FileHeader.size + RecordFrame.headerSize), alignment: 16)
        // A throwing recovery still runs `deinit` (every stored property is set), which frees the buffer.
        try recover(log: log)
    }

    deinit {
        if !closed {
            try? flush()
            closeDescriptors()
        }
        buffer.deallocate()
    }

    // MARK: Appending and acking

    /// Appends a record and returns its position. The bytes are buffered: they reach the file at the next
    /// `flush` or `sync` (or earlier, when the buffer fills), and are durable after the next successful `sync`.
    /// Throws when a new segment cannot be created or the buffer cannot be written out to make room; the record
    /// is then not appended.
    public func append(_ payload: UnsafeRawBufferPointer) throws(StorageError) -> SegmentPosition {
        try checkOpen("append")
        guard payload.count <= SegmentStore.maxPayloadSize else {
            throw StorageError(
                .invalidArgument, operation: "append", path: directory,
                detail: "a record of \(payload.count) bytes exceeds the maximum of \(SegmentStore.maxPayloadSize)")
        }
        let size = RecordFrame.headerSize + payload.count
        if let last = segments.last, !writerSyncFailed,
            last.offsets.isEmpty || last.end + size <= segmentSize
        {
            if writerFD < 0 { try openWriter() }
        } else {
            try startSegment()
        }
        if buffered + size > buffer.count { try flushRecords() }
        let last = segments.count - 1
        let offset = segments[last].end
        if size > buffer.count {
            try writeDirect(payload)
        } else {
            RecordFrame.writeHeader(for: payload, to: buffer.baseAddress! + buffered)
            if payload.count > 0 {
                (buffer.baseAddress! + buffered + RecordFrame.headerSize).copyMemory(
                    from: payload.baseAddress!, byteCount: payload.count)
            }
            buffered += size
        }
        segments[last].appendRecord(at: UInt32(offset), size: size)
        count += 1
        byteCount += payload.count
        unsyncedBytes += size
        return SegmentPosition(segment: segments[last].sequence, offset: UInt32(offset))
    }

    /// Appends a record; see `append(_:)`.
    public func append(_ payload: [UInt8]) throws(StorageError) -> SegmentPosition {
        try payload.withTypedBytes { (p) throws(StorageError) in try append(p) }
    }

    /// Marks the record at `position` acked. The ack is written to the segment's ack file at the next `flush`
    /// or `sync`; when it was the segment's last unacked record and the segment is not the one being appended
    /// to, the segment and its ack file are deleted now. Acking a record twice has no further effect.
    /// Throws `invalidArgument` for a position naming no record, or a system error if the segment could not
    /// be deleted (the ack still counts; the next start deletes the segment).
    public func ack(_ position: SegmentPosition) throws(StorageError) {
        try checkOpen("ack")
        guard let s = segmentIndex(position.segment), let r = segments[s].index(of: position.offset) else {
            throw StorageError(
                .invalidArgument, operation: "ack", path: directory, detail: "no record at position \(position)")
        }
        guard segments[s].markAcked(r) else { return }
        count -= 1
        byteCount -= segments[s].payloadLength(r)
        if segments[s].isFullyAcked && s != segments.count - 1 {
            do {
                try deleteSegment(at: s)
                return
            } catch {
                segments[s].pendingAcks.append(position.offset)
                throw error
            }
        }
        segments[s].pendingAcks.append(position.offset)
    }

    // MARK: Reading

    /// The payload of the unacked record at `position`, read from the buffer or the file and checked against
    /// its CRC.
    public func read(_ position: SegmentPosition) throws(StorageError) -> [UInt8] {
        try checkOpen("read")
        guard let s = segmentIndex(position.segment), let r = segments[s].index(of: position.offset),
            !segments[s].isAcked(r)
        else {
            throw StorageError(
                .invalidArgument, operation: "read", path: directory,
                detail: "no unacked record at position \(position)")
        }
        let length = segments[s].payloadLength(r)
        let offset = Int(position.offset)
        let isLast = s == segments.count - 1
        if isLast && offset >= fileEnd && writerFD >= 0 {
            let start = buffer.baseAddress! + (offset - fileEnd) + RecordFrame.headerSize
            return [UInt8](UnsafeRawBufferPointer(start: start, count: length))
        }
        let path = segmentPath(position.segment)
        let fd: Int32
        if isLast && writerFD >= 0 {
            fd = writerFD
        } else {
            if readFD < 0 || readSequence != position.segment {
                if readFD >= 0 { FileIO.close(readFD) }
                readFD = -1
                readFD = try FileIO.open(path, O_RDONLY)
                readSequence = position.segment
            }
            fd = readFD
        }
        var header = (UInt32(0), UInt32(0))
        let headerRead = try withUnsafeMutableBytes(of: &header) { (h) throws(StorageError) in
            try FileIO.preadAll(fd, h, at: offset, path: path)
        }
        let payload = try [UInt8](unsafeUninitializedCapacity: length) { (p, n) throws(StorageError) in
            n = try FileIO.preadAll(
                fd, UnsafeMutableRawBufferPointer(p), at: offset + RecordFrame.headerSize, path: path)
        }
        let valid =
            headerRead == RecordFrame.headerSize && payload.count == length
            && UInt32(littleEndian: header.0) == UInt32(length)
            && payload.withUnsafeBytes { RecordFrame.checksum($0) } == UInt32(littleEndian: header.1)
        guard valid else {
            throw StorageError(
                .corrupt, operation: "read record", path: path,
                detail: "the record at offset \(offset) no longer matches its length or CRC")
        }
        return payload
    }

    /// Calls `body` with the position and payload of every unacked record, oldest first: what a queue replays
    /// at startup to rebuild its ready list. Flushes buffered records first. The payload pointer is valid only
    /// during the call.
    public func forEachUnacked(_ body: (SegmentPosition, UnsafeRawBufferPointer) -> Void) throws(StorageError) {
        try checkOpen("read unacked records")
        try flushRecords()
        for s in segments.indices where !segments[s].isFullyAcked {
            let segment = segments[s]
            let path = segmentPath(segment.sequence)
            let isWriter = s == segments.count - 1 && writerFD >= 0
            let fd: Int32
            if isWriter { fd = writerFD } else { fd = try FileIO.open(path, O_RDONLY) }
            defer { if !isWriter { FileIO.close(fd) } }
            try FileIO.withMapped(fd, size: segment.end, path: path) { (file) throws(StorageError) in
                for r in segment.offsets.indices where !segment.isAcked(r) {
                    let start = Int(segment.offsets[r]) + RecordFrame.headerSize
                    let payload = UnsafeRawBufferPointer(rebasing: file[start..<(start + segment.payloadLength(r))])
                    body(SegmentPosition(segment: segment.sequence, offset: segment.offsets[r]), payload)
                }
            }
        }
    }

    // MARK: Flushing, syncing, closing

    /// Writes buffered records and pending acks to their files, without syncing. A caller that does not sync
    /// (`--no-sync`) calls this once per batch so a crash of the process loses little.
    public func flush() throws(StorageError) {
        try checkOpen("flush")
        try flushRecords()
        for s in segments.indices where !segments[s].pendingAcks.isEmpty {
            try writeAcks(at: s)
        }
    }

    /// Flushes, then makes everything appended and acked so far durable: `fdatasync` on every file written
    /// since the last sync, `fsync` on the directory if a file was created in it. On success every earlier
    /// `append` survives a crash; on failure none of those since the last success may be confirmed.
    public func sync() throws(StorageError) {
        try flush()
        while let r = retired.first {
            try FileIO.dataSync(r.fd, path: segmentPath(r.sequence))
            FileIO.close(r.fd)
            retired.removeFirst()
        }
        if writerDirty {
            do {
                try FileIO.dataSync(writerFD, path: segmentPath(segments[segments.count - 1].sequence))
            } catch {
                writerSyncFailed = true
                throw error
            }
            writerDirty = false
        }
        for s in segments.indices where segments[s].ackDirty {
            try FileIO.dataSync(segments[s].ackFD, path: ackPath(segments[s].sequence))
            segments[s].ackDirty = false
        }
        if directoryDirty {
            try FileIO.syncDirectory(directory)
            directoryDirty = false
        }
        unsyncedBytes = 0
    }

    /// The first half of `sync` for callers that must not hold their lock while the disk works: flushes
    /// buffered records and acks (under the caller's lock), and returns the files to sync, as duplicated
    /// descriptors the store no longer needs. Run the returned batch's `perform` outside the lock.
    /// Records appended after this call are not covered by the batch.
    public func prepareSync() throws(StorageError) -> SegmentSyncBatch {
        try flush()
        var files: [(fd: Int32, path: String, owned: Bool)] = []
        for r in retired { files.append((r.fd, segmentPath(r.sequence), true)) }
        retired.removeAll()
        if writerDirty {
            files.append((try FileIO.duplicate(writerFD, path: segmentPath(segments[segments.count - 1].sequence)),
                segmentPath(segments[segments.count - 1].sequence), true))
            writerDirty = false
        }
        for i in segments.indices where segments[i].ackDirty {
            files.append((try FileIO.duplicate(segments[i].ackFD, path: ackPath(segments[i].sequence)),
                ackPath(segments[i].sequence), true))
            segments[i].ackDirty = false
        }
        let directory = directoryDirty ? self.directory : nil
        directoryDirty = false
        unsyncedBytes = 0
        return SegmentSyncBatch(files: files.map { ($0.fd, $0.path) }, directory: directory)
    }

    /// Syncs and closes every file. The store cannot be used afterwards.
    public func close() throws(StorageError) {
        guard !closed else { return }
        try sync()
        closeDescriptors()
        closed = true
    }

    /// Deletes the store's directory with every file in it, its own and any its owner keeps beside them (the
    /// queue was deleted). The store cannot be used afterwards.
    public func destroy() throws(StorageError) {
        closeDescriptors()
        closed = true
        segments.removeAll()
        for name in try FileIO.list(directory) { try FileIO.remove(directory + "/" + name) }
        try FileIO.removeDirectory(directory)
        try FileIO.syncDirectory(FileIO.parentDirectory(of: directory))
    }

    // MARK: Paths

    /// Path of segment file `sequence`.
    public func segmentPath(_ sequence: UInt32) -> String {
        directory + "/msgs." + FileIO.zeroPadded(sequence, width: 10)
    }

    /// Path of the ack file of segment `sequence`.
    public func ackPath(_ sequence: UInt32) -> String {
        directory + "/acks." + FileIO.zeroPadded(sequence, width: 10)
    }

    /// Sequence numbers of the segment files, ascending (tests, management).
    public var segmentSequences: [UInt32] { segments.map(\.sequence) }

    // MARK: Internals

    private func checkOpen(_ operation: String) throws(StorageError) {
        if closed {
            throw StorageError(.invalidArgument, operation: operation, path: directory, detail: "the store is closed")
        }
    }

    private func segmentIndex(_ sequence: UInt32) -> Int? {
        var lo = 0
        var hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].sequence < sequence { lo = mid + 1 } else { hi = mid }
        }
        return lo < segments.count && segments[lo].sequence == sequence ? lo : nil
    }

    /// Reopens the last segment (recovered from disk) for appends at its valid end.
    private func openWriter() throws(StorageError) {
        let last = segments[segments.count - 1]
        writerFD = try FileIO.open(segmentPath(last.sequence), O_RDWR)
        fileEnd = last.end
    }

    /// Creates the next segment file and makes it the one appends go to. The previous writer is flushed
    /// first (so the buffer holds only the new segment's bytes) and kept open until the next sync if it has
    /// unsynced bytes; if it is fully acked it is deleted now that it is no longer written.
    private func startSegment() throws(StorageError) {
        try flushRecords()
        let previous = segments.last?.sequence ?? 0
        guard previous < UInt32.max else {
            throw StorageError(
                .invalidArgument, operation: "append", path: directory, detail: "segment numbers exhausted")
        }
        let sequence = previous + 1
        let fd = try FileIO.open(segmentPath(sequence), O_RDWR | O_CREAT | O_TRUNC)
        if writerFD >= 0 {
            if writerDirty { retired.append((previous, writerFD)) } else { FileIO.close(writerFD) }
        }
        writerFD = fd
        fileEnd = 0
        writerDirty = false
        writerSyncFailed = false
        directoryDirty = true
        FileHeader.segment.bytes.withUnsafeBytes {
            buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: FileHeader.size)
        }
        buffered = FileHeader.size
        segments.append(Segment(sequence: sequence, end: FileHeader.size))
        if segments.count >= 2 && segments[segments.count - 2].isFullyAcked {
            // Not worth failing the append for: a fully acked segment left behind is deleted at the next start.
            try? deleteSegment(at: segments.count - 2)
        }
    }

    /// Writes the buffer to the last segment. On failure the file is cut back to its previous end and the
    /// bytes stay buffered.
    private func flushRecords() throws(StorageError) {
        guard buffered > 0 else { return }
        try writeAtEnd(UnsafeRawBufferPointer(start: buffer.baseAddress, count: buffered))
        buffered = 0
    }

    /// Writes a record too large for the buffer straight to the file (the buffer is empty).
    private func writeDirect(_ payload: UnsafeRawBufferPointer) throws(StorageError) {
        var header = (UInt32(0), UInt32(0))
        withUnsafeMutableBytes(of: &header) { RecordFrame.writeHeader(for: payload, to: $0.baseAddress!) }
        let start = fileEnd
        try withUnsafeBytes(of: &header) { (h) throws(StorageError) in try writeAtEnd(h) }
        do {
            try writeAtEnd(payload)
        } catch {
            cutBack(to: start)
            fileEnd = start
            throw error
        }
    }

    /// Writes `bytes` at `fileEnd` and advances it, or cuts a partial write back off and throws.
    private func writeAtEnd(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        let path = segmentPath(segments[segments.count - 1].sequence)
        if needsTruncate {
            try FileIO.truncate(writerFD, to: fileEnd, path: path)
            needsTruncate = false
        }
        do {
            try FileIO.pwriteAll(writerFD, bytes, at: fileEnd, path: path)
        } catch {
            cutBack(to: fileEnd)
            throw error
        }
        fileEnd += bytes.count
        writerDirty = true
    }

    /// Truncates the writer to `size` after a failed write; if even that fails, the next write retries it.
    private func cutBack(to size: Int) {
        do {
            try FileIO.truncate(writerFD, to: size, path: segmentPath(segments[segments.count - 1].sequence))
        } catch {
            needsTruncate = true
        }
    }

    /// Appends the pending acks of segment `s` to its ack file, creating it (with its header) if needed.
    private func writeAcks(at s: Int) throws(StorageError) {
        let path = ackPath(segments[s].sequence)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(FileHeader.size + 4 * segments[s].pendingAcks.count)
        if segments[s].ackFileEnd == 0 { bytes.append(contentsOf: FileHeader.acks.bytes) }
        for offset in segments[s].pendingAcks {
            withUnsafeBytes(of: offset.littleEndian) { bytes.append(contentsOf: $0) }
        }
        if segments[s].ackFD < 0 {
            let create = segments[s].ackFileEnd == 0
            segments[s].ackFD = try FileIO.open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR)
            if create { directoryDirty = true }
        }
        let fd = segments[s].ackFD
        let start = segments[s].ackFileEnd
        do {
            try bytes.withTypedBytes { (b) throws(StorageError) in try FileIO.pwriteAll(fd, b, at: start, path: path) }
        } catch {
            try? FileIO.truncate(fd, to: start, path: path)
            throw error
        }
        segments[s].ackFileEnd += bytes.count
        segments[s].pendingAcks.removeAll(keepingCapacity: true)
        segments[s].ackDirty = true
    }

    /// Deletes segment `s` (never the last): its file first, then its ack file, so a crash in between leaves
    /// an ack file without a segment (removed at the next start), never unacked-looking records.
    private func deleteSegment(at s: Int) throws(StorageError) {
        let sequence = segments[s].sequence
        try FileIO.remove(segmentPath(sequence))
        if segments[s].ackFD >= 0 { FileIO.close(segments[s].ackFD) }
        segments[s].ackFD = -1
        try FileIO.remove(ackPath(sequence))
        if readFD >= 0 && readSequence == sequence {
            FileIO.close(readFD)
            readFD = -1
        }
        if let r = retired.firstIndex(where: { $0.sequence == sequence }) {
            FileIO.close(retired[r].fd)
            retired.remove(at: r)
        }
        segments.remove(at: s)
    }

    private func closeDescriptors() {
        if writerFD >= 0 { FileIO.close(writerFD) }
        writerFD = -1
        if readFD >= 0 { FileIO.close(readFD) }
        readFD = -1
        for r in retired { FileIO.close(r.fd) }
        retired.removeAll()
        for s in segments.indices where segments[s].ackFD >= 0 {
            FileIO.close(segments[s].ackFD)
            segments[s].ackFD = -1
        }
    }

    // MARK: Recovery

    /// Scans every segment and ack file (see the type's recovery policy), building the in-memory index.
    private func recover(log: (String) -> Void) throws(StorageError) {
        let created = try FileIO.makeDirectories(directory)
        if created { return }
        var segmentNumbers: [UInt32] = []
        var ackNumbers: Set<UInt32> = []
        for name in try FileIO.list(directory) {
            if let n = SegmentStore.sequence(in: name, prefix: "msgs.") {
                segmentNumbers.append(n)
            } else if let n = SegmentStore.sequence(in: name, prefix: "acks.") {
                ackNumbers.insert(n)
            }
        }
        segmentNumbers.sort()
        for (i, sequence) in segmentNumbers.enumerated() {
            guard var segment = try recoverSegment(sequence, log: log) else {
                try FileIO.remove(ackPath(sequence))
                ackNumbers.remove(sequence)
                continue
            }
            if ackNumbers.remove(sequence) != nil { try recoverAcks(&segment, log: log) }
            if segment.isFullyAcked && i != segmentNumbers.count - 1 {
                try FileIO.remove(segmentPath(sequence))
                try FileIO.remove(ackPath(sequence))
                continue
            }
            for r in segment.offsets.indices where !segment.isAcked(r) {
                count += 1
                byteCount += segment.payloadLength(r)
            }
            segments.append(segment)
        }
        for orphan in ackNumbers {
            log("\(ackPath(orphan)): removed ack file of a segment that does not exist")
            try FileIO.remove(ackPath(orphan))
        }
    }

    /// Validates segment file `sequence`, cutting off a damaged tail; nil when it holds no header (removed).
    private func recoverSegment(_ sequence: UInt32, log: (String) -> Void) throws(StorageError) -> Segment? {
        let path = segmentPath(sequence)
        let fd = try FileIO.open(path, O_RDWR)
        defer { FileIO.close(fd) }
        let size = try FileIO.size(fd, path: path)
        var segment = Segment(sequence: sequence, end: FileHeader.size)
        let damage = try FileIO.withMapped(fd, size: size, path: path) { (file) throws(StorageError) -> String? in
            switch FileHeader.segment.check(file) {
            case .foreign:
                throw StorageError(
                    .unrecognizedFormat, operation: "recover segment", path: path,
                    detail: FileHeader.segment.mismatch(file))
            case .torn:
                return nil
            case .valid:
                let result = RecordFrame.scan(file, from: FileHeader.size) { offset, payload in
                    segment.appendRecord(at: UInt32(offset), size: RecordFrame.headerSize + payload.count)
                }
                return result.damage ?? ""
            }
        }
        guard let damage else {
            log("\(path): removed segment of \(size) bytes with an incomplete header (torn at creation)")
            try FileIO.remove(path)
            return nil
        }
        if !damage.isEmpty {
            log("\(path): truncated \(size - segment.end) bytes at offset \(segment.end) (\(damage))")
            try FileIO.truncate(fd, to: segment.end, path: path)
        }
        return segment
    }

    /// Loads the ack file of `segment`, dropping a torn last entry and ignoring entries that name no record.
    private func recoverAcks(_ segment: inout Segment, log: (String) -> Void) throws(StorageError) {
        let path = ackPath(segment.sequence)
        let fd = try FileIO.open(path, O_RDWR)
        defer { FileIO.close(fd) }
        let size = try FileIO.size(fd, path: path)
        var unknown = 0
        let keep = try FileIO.withMapped(fd, size: size, path: path) { (file) throws(StorageError) -> Int in
            switch FileHeader.acks.check(file) {
            case .foreign:
                throw StorageError(
                    .unrecognizedFormat, operation: "recover ack file", path: path,
                    detail: FileHeader.acks.mismatch(file))
            case .torn:
                return 0
            case .valid:
                let entries = (size - FileHeader.size) / 4
                for e in 0..<entries {
                    let offset = UInt32(
                        littleEndian: file.loadUnaligned(fromByteOffset: FileHeader.size + 4 * e, as: UInt32.self))
                    if let r = segment.index(of: offset) { _ = segment.markAcked(r) } else { unknown += 1 }
                }
                return FileHeader.size + 4 * entries
            }
        }
        if keep < size {
            let what = keep == 0 ? "incomplete header" : "torn ack entry"
            log("\(path): truncated \(size - keep) bytes at offset \(keep) (\(what))")
            try FileIO.truncate(fd, to: keep, path: path)
        }
        if unknown > 0 {
            log("\(path): ignored \(unknown) ack entries naming no record of the segment (its tail was cut off)")
        }
        segment.ackFileEnd = keep
    }

    /// The sequence number in a file name like `msgs.0000000003`, if `name` is one.
    private static func sequence(in name: String, prefix: String) -> UInt32? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.utf8.dropFirst(prefix.utf8.count)
        guard digits.count == 10, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return UInt32(String(decoding: digits, as: UTF8.self))
    }
}
