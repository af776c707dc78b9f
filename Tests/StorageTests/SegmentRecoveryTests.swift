import Testing

@testable import Storage

@Suite("SegmentStore recovery: torn tails, garbage, corruption")
struct SegmentRecoveryTests {
    @Test("a segment cut at every byte offset inside its last record keeps the earlier records and truncates to them")
    func truncatedAtEveryOffset() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, log: { _ in })
        let kept = [payload(1, count: 5), payload(2, count: 30)]
        for p in kept { _ = try store.append(p) }
        let last = try store.append(payload(3, count: 23))
        try store.close()
        let path = store.segmentPath(1)
        let original = TestFiles.read(path)
        let lastStart = Int(last.offset)
        #expect(original.count == lastStart + 8 + 23)

        for cut in lastStart...(original.count - 1) {
            TestFiles.write(path, Array(original[0..<cut]))
            let log = LogLines()
            let reopened = try SegmentStore(directory: dir.path, log: log.callAsFunction)
            let records = try unacked(reopened)
            #expect(records.map(\.payload) == kept, "cut at \(cut)")
            #expect(TestFiles.size(path) == lastStart, "cut at \(cut)")
            if cut == lastStart {
                #expect(log.lines.isEmpty)
            } else {
                let reason = cut - lastStart < 8 ? "torn record: partial header" : "torn record: partial payload"
                #expect(log.lines == ["\(path): truncated \(cut - lastStart) bytes at offset \(lastStart) (\(reason))"])
            }
            // The store appends right after the last good record.
            let next = try reopened.append(payload(4))
            #expect(next == SegmentPosition(segment: 1, offset: UInt32(lastStart)), "cut at \(cut)")
            try reopened.close()
        }
    }

    @Test("garbage after the last valid record is cut off and logged")
    func garbageAppended() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, log: { _ in })
        let positions = try (0..<3).map { try store.append(payload($0)) }
        try store.close()
        let path = store.segmentPath(1)
        let end = TestFiles.size(path)
        TestFiles.append(path, Array("this is not a record!".utf8))

        let log = LogLines()
        let reopened = try SegmentStore(directory: dir.path, log: log.callAsFunction)
        #expect(try unacked(reopened).map(\.position) == positions)
        #expect(log.lines.count == 1)
        #expect(log.lines.first?.hasPrefix("\(path): truncated 21 bytes at offset \(end) (") == true)
        #expect(TestFiles.size(path) == end)
        try reopened.close()
    }

    @Test("a zero-filled tail (size grew, data never written) is not read as empty records")
    func zeroFilledTail() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, log: { _ in })
        let p = try store.append(payload(1))
        try store.close()
        let path = store.segmentPath(1)
        TestFiles.append(path, [UInt8](repeating: 0, count: 4096))

        let log = LogLines()
        let reopened = try SegmentStore(directory: dir.path, log: log.callAsFunction)
        #expect(try unacked(reopened).map(\.position) == [p])
        #expect(log.lines == ["\(path): truncated 4096 bytes at offset 32 (CRC mismatch)"])
        try reopened.close()
    }

    /// Policy: a record whose CRC fails ends its segment; it and every later record of that segment are dropped
    /// (its length cannot be trusted to find the next one); earlier records and other segments are kept.
    @Test("a flipped payload byte drops that record and the rest of its segment, nothing else")
    func flippedByte() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, segmentSize: 8 + 3 * 24, log: { _ in })
        let positions = try (0..<5).map { try store.append(payload($0)) }
        #expect(positions.map(\.segment) == [1, 1, 1, 2, 2])
        try store.close()
        let path = store.segmentPath(1)
        var bytes = TestFiles.read(path)
        bytes[Int(positions[1].offset) + 8 + 5] ^= 0x40
        TestFiles.write(path, bytes)

        let log = LogLines()
        let reopened = try SegmentStore(directory: dir.path, segmentSize: 8 + 3 * 24, log: log.callAsFunction)
        #expect(try unacked(reopened).map(\.position) == [positions[0], positions[3], positions[4]])
        #expect(log.lines == ["\(path): truncated 48 bytes at offset 32 (CRC mismatch)"])
        #expect(TestFiles.size(path) == 32)
        try reopened.close()
    }

    @Test("acks naming records that recovery cut off are ignored and logged")
    func acksOfTruncatedRecords() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, log: { _ in })
        let positions = try (0..<3).map { try store.append(payload($0)) }
        try store.ack(positions[2])
        try store.close()
        let path = store.segmentPath(1)
        TestFiles.write(path, Array(TestFiles.read(path).dropLast(1)))

        let log = LogLines()
        let reopened = try SegmentStore(directory: dir.path, log: log.callAsFunction)
        #expect(try unacked(reopened).map(\.position) == [positions[0], positions[1]])
        #expect(log.lines.count == 2)
        #expect(log.lines.last?.hasPrefix("\(store.ackPath(1)): ignored 1 ack entries") == true)
        try reopened.close()
    }

    @Test("a segment torn while its header was written is removed; an orphan ack file too")
    func tornHeaderAndOrphanAcks() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, log: { _ in })
        let p = try store.append(payload(1))
        try store.close()
        TestFiles.write(store.segmentPath(2), Array("GWS".utf8))
        TestFiles.write(store.ackPath(7), Array("GWAK".utf8) + [1, 0, 0, 0])

        let log = LogLines()
        let reopened = try SegmentStore(directory: dir.path, log: log.callAsFunction)
        #expect(try unacked(reopened).map(\.position) == [p])
        #expect(!TestFiles.exists(store.segmentPath(2)) && !TestFiles.exists(store.ackPath(7)))
        #expect(log.lines.count == 2)
        #expect(try reopened.append(payload(2)).segment == 1)
        try reopened.close()
    }

    @Test("a file with another magic is refused, not cut")
    func foreignFile() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        TestFiles.write(dir.path + "/msgs.0000000001", Array("GWSG".utf8) + [2, 0, 0, 0])
        let error = #expect(throws: StorageError.self) { try SegmentStore(directory: dir.path, log: { _ in }) }
        #expect(error?.kind == .unrecognizedFormat)
        #expect(TestFiles.size(dir.path + "/msgs.0000000001") == 8)
    }

    @Test("fully acked segments other than the last are deleted at startup")
    func fullyAckedAtStartup() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SegmentStore(directory: dir.path, segmentSize: 64, log: { _ in })
        let positions = try (0..<5).map { try store.append(payload($0)) }
        try store.ack(positions[0])
        try store.close()
        // Simulate a crash after the last ack was written but before the segment was deleted.
        TestFiles.append(store.ackPath(1), withUnsafeBytes(of: positions[1].offset.littleEndian) { Array($0) })

        let reopened = try SegmentStore(directory: dir.path, segmentSize: 64, log: { _ in })
        #expect(reopened.segmentSequences == [2, 3])
        #expect(!TestFiles.exists(store.segmentPath(1)) && !TestFiles.exists(store.ackPath(1)))
        #expect(try unacked(reopened).map(\.position) == Array(positions[2...]))
        try reopened.close()
    }
}
