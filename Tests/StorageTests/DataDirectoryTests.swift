import Glibc
import Testing

@testable import Storage

@Suite("DataDirectory: creation, exclusive lock, free space")
struct DataDirectoryTests {
    @Test("creates the directory and its missing parents with mode 0700")
    func createsPrivateDirectory() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let path = tmp.path + "/a/b/data"
        let dir = try DataDirectory(path: path)
        defer { dir.close() }
        #expect(TestFiles.mode(path) == 0o700)
        #expect(TestFiles.mode(tmp.path + "/a/b") == 0o700)
        #expect(String(decoding: TestFiles.read(path + "/.lock"), as: UTF8.self) == "\(getpid())\n")
        let queues = try dir.subdirectory("queues/q1")
        #expect(queues == path + "/queues/q1" && TestFiles.mode(queues) == 0o700)
    }

    @Test("a second open of a locked directory is refused naming the holder's pid; close releases it")
    func exclusiveLock() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let first = try DataDirectory(path: tmp.path)
        let error = #expect(throws: StorageError.self) { try DataDirectory(path: tmp.path) }
        #expect(error?.kind == .directoryInUse(pid: getpid()))
        #expect(
            error?.description.hasPrefix(
                "data directory \(tmp.path) is in use by another gateway process (pid \(getpid()))") == true)
        first.close()
        let second = try DataDirectory(path: tmp.path)
        second.close()
    }

    @Test("free space is reported for the directory's file system")
    func freeSpace() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let dir = try DataDirectory(path: tmp.path)
        defer { dir.close() }
        #expect(try dir.freeBytes() > 0)
    }
}
