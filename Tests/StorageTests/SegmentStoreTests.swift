import Testing

@testable import Storage

/// Every unacked record of `store`, in order.
func unacked(_ store: SegmentStore) throws -> [(position: SegmentPosition, payload: [UInt8])] {
    var result: [(SegmentPosition, [UInt8])] = []
    try store.forEachUnacked { result.append(($0, [UInt8]($1))) }
    return result
}

@Suite("SegmentStore: append, read, ack, segments")
struct SegmentStoreTests {
    @Test("appended records read back from the buffer and from the file, and ack updates the counts")
    func appendReadAck() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path + "/q", log: { _ in })
        let a = try store.append(payload(1, count: 10))
        let b = try store.append(payload(2, count: 20))
        let c = try store.append([])
        #expect(a == SegmentPosition(segment: 1, offset: 8))
        #expect(b == SegmentPosition(segment: 1, offset: 8 + 8 + 10))
        #expect(c.offset == b.offset + 8 + 20)
        #expect(try store.read(b) == payload(2, count: 20))
        try store.flush()
        #expect(try store.read(a) == payload(1, count: 10))
        #expect(try store.read(c) == [])
        #expect(store.count == 3 && store.byteCount == 30)

        try store.ack(b)
        try store.ack(b)
        #expect(store.count == 2 && store.byteCount == 10)
        #expect(throws: StorageError.self) { try store.read(b) }
        let error = #expect(throws: StorageError.self) { try store.ack(SegmentPosition(segment: 1, offset: 9)) }
        #expect(error?.kind == .invalidArgument)
        #expect(try unacked(store).map(\.position) == [a, c])
        try store.close()
    }

    @Test("a record that does not fit starts a new segment; no segment file exceeds the segment size")
    func rollover() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        // Header 8 + two records of 8 + 16 = 56 bytes: a third record would exceed 64.
        let store = try SegmentStore(directory: dir.path, segmentSize: 64, log: { _ in })
        var positions: [SegmentPosition] = []
        for i in 0..<5 { positions.append(try store.append(payload(i))) }
        #expect(positions.map(\.segment) == [1, 1, 2, 2, 3])
        #expect(positions.map(\.offset) == [8, 32, 8, 32, 8])
        // A record larger than a segment gets a segment of its own.
        let big = try store.append(payload(9, count: 200))
        #expect(big == SegmentPosition(segment: 4, offset: 8))
        let after = try store.append(payload(10))
        #expect(after.segment == 5)
        try store.sync()
        for n: UInt32 in 1...3 { #expect(TestFiles.size(store.segmentPath(n)) <= 64) }
        #expect(TestFiles.size(store.segmentPath(4)) == 8 + 8 + 200)
        #expect(try store.read(big) == payload(9, count: 200))
        try store.close()
    }

    @Test("a fully acked segment is deleted with its ack file; the segment being written is kept")
    func deleteFullyAcked() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, segmentSize: 64, log: { _ in })
        var positions: [SegmentPosition] = []
        for i in 0..<6 { positions.append(try store.append(payload(i))) }
        try store.ack(positions[0])
        try store.sync()
        #expect(TestFiles.size(store.ackPath(1)) == 8 + 4)
        try store.ack(positions[1])
        #expect(!TestFiles.exists(store.segmentPath(1)))
        #expect(!TestFiles.exists(store.ackPath(1)))
        #expect(store.segmentSequences == [2, 3])

        try store.ack(positions[4])
        try store.ack(positions[5])
        try store.sync()
        #expect(TestFiles.exists(store.segmentPath(3)), "the current segment stays although fully acked")
        #expect(store.segmentSequences == [2, 3])
        #expect(try unacked(store).map(\.position) == [positions[2], positions[3]])

        // Once appends move on, the fully acked segment 3 goes.
        _ = try store.append(payload(7, count: 40))
        #expect(store.segmentSequences == [2, 4])
        #expect(!TestFiles.exists(store.segmentPath(3)))
        try store.close()
    }

    @Test("reopening after a clean close gives the same unacked records in the same order")
    func reopenAfterClose() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, segmentSize: 100, log: { _ in })
        var positions: [SegmentPosition] = []
        for i in 0..<20 { positions.append(try store.append(payload(i, count: i))) }
        for i in [0, 3, 4, 7, 19] { try store.ack(positions[i]) }
        let before = try unacked(store)
        try store.close()

        let log = LogLines()
        let reopened = try SegmentStore(directory: dir.path, segmentSize: 100, log: log.callAsFunction)
        let after = try unacked(reopened)
        #expect(after.map(\.position) == before.map(\.position))
        #expect(after.map(\.payload) == before.map(\.payload))
        #expect(reopened.count == 15)
        #expect(reopened.byteCount == (0..<20).filter { ![0, 3, 4, 7, 19].contains($0) }.reduce(0, +))
        #expect(log.lines.isEmpty)
        // Appends continue after the recovered records.
        let next = try reopened.append(payload(99))
        #expect(next > positions.last!)
        try reopened.close()
    }

    @Test("a missing ack file means nothing in that segment is acked")
    func missingAckFile() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, log: { _ in })
        let positions = try (0..<4).map { try store.append(payload($0)) }
        try store.ack(positions[1])
        try store.ack(positions[2])
        try store.close()
        TestFiles.removeTree(store.ackPath(1))

        let reopened = try SegmentStore(directory: dir.path, log: { _ in })
        #expect(try unacked(reopened).map(\.position) == positions)
        try reopened.close()
    }

    @Test("an ack file with a torn last entry loses that entry only")
    func tornAckFile() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, log: { _ in })
        let positions = try (0..<5).map { try store.append(payload($0)) }
        for i in [0, 2, 3] { try store.ack(positions[i]) }
        try store.close()
        let acks = TestFiles.read(store.ackPath(1))
        TestFiles.write(store.ackPath(1), Array(acks.dropLast(2)))

        let log = LogLines()
        let reopened = try SegmentStore(directory: dir.path, log: log.callAsFunction)
        #expect(try unacked(reopened).map(\.position) == [positions[1], positions[3], positions[4]])
        #expect(log.lines == ["\(store.ackPath(1)): truncated 2 bytes at offset 16 (torn ack entry)"])
        #expect(TestFiles.size(store.ackPath(1)) == 16)
        // Acking continues in the cut-back file.
        try reopened.ack(positions[3])
        try reopened.close()
        let again = try SegmentStore(directory: dir.path, log: { _ in })
        #expect(try unacked(again).map(\.position) == [positions[1], positions[4]])
        try again.close()
    }

    @Test("records larger than the write buffer are written directly and read back")
    func largeRecords() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, writeBufferSize: 64, log: { _ in })
        let small = try store.append(payload(1))
        let large = try store.append(payload(2, count: 5000))
        let tail = try store.append(payload(3))
        #expect(try store.read(large) == payload(2, count: 5000))
        #expect(try store.read(tail) == payload(3))
        try store.close()
        let reopened = try SegmentStore(directory: dir.path, log: { _ in })
        #expect(try unacked(reopened).map(\.position) == [small, large, tail])
        #expect(try reopened.read(large) == payload(2, count: 5000))
        try reopened.close()
    }

    @Test("100 000 appends of 16 bytes then one sync keep every record")
    func manySmallAppends() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, log: { _ in })
        let body = payload(7)
        try body.withUnsafeBytes { b in
            for _ in 0..<100_000 { _ = try store.append(b) }
        }
        #expect(store.unsyncedBytes == 100_000 * 24)
        try store.sync()
        #expect(store.unsyncedBytes == 0)
        #expect(store.count == 100_000 && store.byteCount == 1_600_000)
        try store.close()
        let reopened = try SegmentStore(directory: dir.path, log: { _ in })
        var n = 0
        var allEqual = true
        try reopened.forEachUnacked { _, p in
            n += 1
            allEqual = allEqual && p.elementsEqual(body)
        }
        #expect(n == 100_000 && allEqual)
        try reopened.close()
    }

    @Test("destroy removes every file and the directory")
    func destroy() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path + "/q", segmentSize: 64, log: { _ in })
        let p = try (0..<5).map { try store.append(payload($0)) }
        try store.ack(p[2])
        try store.sync()
        TestFiles.write(dir.path + "/q/name", [1, 2, 3])
        try store.destroy()
        #expect(!TestFiles.exists(dir.path + "/q"), "files kept beside the segments by the owner go too")
    }

    @Test("a sync batch taken before the store was destroyed succeeds: a deleted queue fails no one's round")
    func batchAfterDestroy() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path + "/q", segmentSize: 64, log: { _ in })
        _ = try store.append(payload(1))
        let batch = try store.prepareSync()
        #expect(!batch.isEmpty)
        try store.destroy()
        #expect(throws: Never.self) { try batch.perform() }
    }
}
