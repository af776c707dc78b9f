import Glibc
import Testing

@testable import Storage

@Suite("Write failures: a full disk surfaces as StorageError and leaves the store recoverable")
struct DiskFullTests {
    /// Mounts a 64 KiB tmpfs under a temporary directory for `body`, with a 16 KiB filler file in it that
    /// `body` may remove to free space.
    private func withSmallDisk(_ body: (_ mountPoint: String, _ filler: String) throws -> Void) throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let mountPoint = tmp.path + "/small"
        mkdir(mountPoint, 0o700)
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=64k") == 0 else {
            Issue.record("mount -t tmpfs failed: errno \(errno)")
            return
        }
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let filler = mountPoint + "/filler"
        TestFiles.write(filler, [UInt8](repeating: 1, count: 16 * 1024))
        try body(mountPoint, filler)
    }

    /// Appends 1000-byte records, flushing after each, until a write fails. Returns the records flushed, the
    /// record appended but not flushed (empty if the append itself failed) and the error.
    private func fill(_ store: SegmentStore) -> (written: [[UInt8]], unwritten: [UInt8], failure: StorageError?) {
        var written: [[UInt8]] = []
        for i in 0..<200 {
            let p = payload(i, count: 1000)
            do {
                _ = try store.append(p)
            } catch {
                return (written, [], error)
            }
            do {
                try store.flush()
                written.append(p)
            } catch {
                return (written, p, error)
            }
        }
        return (written, [], nil)
    }

    @Test(
        "on a full disk flush and sync fail with ENOSPC; once space is freed the buffered record is written and nothing is lost",
        .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func diskFullThenSpaceFreed() throws {
        try withSmallDisk { mountPoint, filler in
            let directory = mountPoint + "/q"
            let store = try SegmentStore(directory: directory, segmentSize: 16 * 1024, log: { _ in })
            let (written, unwritten, failure) = fill(store)
            #expect(failure?.isDiskFull == true, "\(String(describing: failure))")
            #expect(written.count > 10)
            #expect(throws: StorageError.self) { try store.sync() }

            TestFiles.removeTree(filler)
            try store.sync()
            try store.close()
            let log = LogLines()
            let reopened = try SegmentStore(directory: directory, segmentSize: 16 * 1024, log: log.callAsFunction)
            let expected = unwritten.isEmpty ? written : written + [unwritten]
            #expect(try unacked(reopened).map(\.payload) == expected)
            #expect(log.lines.isEmpty)
            try reopened.close()
        }
    }

    @Test(
        "a store abandoned on a full disk (as in a crash) reopens with exactly the records written and no torn record",
        .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func diskFullThenCrash() throws {
        try withSmallDisk { mountPoint, _ in
            let directory = mountPoint + "/q"
            var written: [[UInt8]] = []
            do {
                let store = try SegmentStore(directory: directory, segmentSize: 16 * 1024, log: { _ in })
                let result = fill(store)
                written = result.written
                #expect(result.failure?.isDiskFull == true)
            }
            let log = LogLines()
            let reopened = try SegmentStore(directory: directory, segmentSize: 16 * 1024, log: log.callAsFunction)
            #expect(try unacked(reopened).map(\.payload) == written)
            // A segment created just before the disk filled may be empty (its header never written): removing
            // it is the only thing recovery may report; no record is torn.
            #expect(log.lines.allSatisfy { $0.contains("incomplete header") }, "\(log.lines)")
            try reopened.close()
        }
    }

    @Test(
        "an append log on a full disk fails the append and keeps every earlier record",
        .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func appendLogDiskFull() throws {
        try withSmallDisk { mountPoint, _ in
            let log = try AppendLog(directory: mountPoint, name: "retained", log: { _ in })
            var written: [[UInt8]] = []
            var failure: StorageError?
            for i in 0..<200 {
                do {
                    try log.append(payload(i, count: 3000))
                    written.append(payload(i, count: 3000))
                } catch {
                    failure = error as? StorageError
                    break
                }
            }
            #expect(failure?.isDiskFull == true)
            try log.sync()
            try log.close()
            let lines = LogLines()
            let reopened = try AppendLog(directory: mountPoint, name: "retained", log: lines.callAsFunction)
            #expect(try records(reopened) == written)
            #expect(lines.lines.isEmpty)
            try reopened.close()
        }
    }
}
