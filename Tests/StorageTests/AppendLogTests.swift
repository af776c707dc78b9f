import Testing

@testable import Storage

/// Every record `log` replays.
func records(_ log: AppendLog) throws -> [[UInt8]] {
    var result: [[UInt8]] = []
    try log.replay { result.append([UInt8]($0)) }
    return result
}

@Suite("AppendLog: snapshot plus log, compaction, recovery")
struct AppendLogTests {
    @Test("records survive a reopen in order; compaction leaves the snapshot and an empty log")
    func appendReplayCompact() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let log = try AppendLog(directory: tmp.path + "/defs", name: "definitions", log: { _ in })
        #expect(try log.readSnapshot() == nil)
        for i in 0..<3 { try log.append(payload(i, count: 5 + i)) }
        try log.close()

        let reopened = try AppendLog(directory: tmp.path + "/defs", name: "definitions", log: { _ in })
        #expect(try records(reopened) == (0..<3).map { payload($0, count: 5 + $0) })
        try reopened.compact(with: Array("state v1".utf8))
        #expect(reopened.generation == 1)
        #expect(try records(reopened).isEmpty)
        try reopened.append(payload(9))
        try reopened.close()

        let again = try AppendLog(directory: tmp.path + "/defs", name: "definitions", log: { _ in })
        #expect(try again.readSnapshot() == Array("state v1".utf8))
        #expect(try records(again) == [payload(9)])
        try again.close()
    }

    @Test("a compaction interrupted after the snapshot was written discards the old log it already contains")
    func interruptedCompaction() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let log = try AppendLog(directory: tmp.path, name: "retained", log: { _ in })
        try log.append(payload(1))
        try log.close()
        // The first step of compact(with:): the snapshot of generation 1; the log is still generation 0.
        try log.snapshotFile.write(withUnsafeBytes(of: UInt64(1).littleEndian) { Array($0) } + Array("S".utf8))

        let lines = LogLines()
        let reopened = try AppendLog(directory: tmp.path, name: "retained", log: lines.callAsFunction)
        #expect(try reopened.readSnapshot() == Array("S".utf8))
        #expect(try records(reopened).isEmpty)
        #expect(lines.lines.count == 1 && lines.lines[0].contains("discarded log generation 0"))
        try reopened.close()
    }

    @Test("a torn last record is cut off and logged; earlier records are kept")
    func tornTail() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let log = try AppendLog(directory: tmp.path, name: "sessions", log: { _ in })
        try log.append(payload(1))
        try log.append(payload(2))
        try log.close()
        TestFiles.write(log.logPath, Array(TestFiles.read(log.logPath).dropLast(3)))

        let lines = LogLines()
        let reopened = try AppendLog(directory: tmp.path, name: "sessions", log: lines.callAsFunction)
        #expect(try records(reopened) == [payload(1)])
        #expect(lines.lines == ["\(log.logPath): truncated 21 bytes at offset 40 (torn record: partial payload)"])
        try reopened.append(payload(3))
        try reopened.close()
        let again = try AppendLog(directory: tmp.path, name: "sessions", log: { _ in })
        #expect(try records(again) == [payload(1), payload(3)])
        try again.close()
    }

    @Test("a log newer than its snapshot (snapshot removed) is an error")
    func missingSnapshot() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let log = try AppendLog(directory: tmp.path, name: "definitions", log: { _ in })
        try log.compact(with: Array("x".utf8))
        try log.close()
        TestFiles.removeTree(log.snapshotFile.path)
        let error = #expect(throws: StorageError.self) {
            try AppendLog(directory: tmp.path, name: "definitions", log: { _ in })
        }
        #expect(error?.kind == .corrupt)
    }
}
