import Glibc
import Storage
import Testing

@Suite("FileReplica: a follower applies changes inside its data directory only")
struct FileReplicaTests {
    @Test(
        "paths that leave the directory or name its lock file are refused before anything is touched",
        arguments: ["/etc/passwd", "../outside", "queues/../../outside", "./x", "a//b", "", ".lock", "a/", "q/\u{0}x"])
    func hostilePaths(_ path: String) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let replica = try FileReplica(root: dir.path + "/data")
        let changes: [FileChange] = [
            .truncate(path: path, size: 0), .create(path: path), .remove(path: path), .makeDirectory(path: path),
            .removeDirectory(path: path), .rename(from: "ok", to: path), .rename(from: path, to: "ok"),
        ]
        for change in changes {
            #expect(throws: StorageError.self) { try replica.apply(change) }
        }
        let bytes: [UInt8] = [1, 2, 3]
        try bytes.withUnsafeBytes { raw in
            #expect(throws: StorageError.self) { try replica.apply(.write(path: path, offset: 0, bytes: raw)) }
        }
        #expect(access(dir.path + "/outside", F_OK) != 0)
        #expect(try FileIndex.scan(root: dir.path + "/data").isEmpty)
    }

    @Test("writes, truncation, rename and removal land as on the leader, and sync makes them durable")
    func applies() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let replica = try FileReplica(root: dir.path)
        try Array("hello world".utf8).withUnsafeBytes { try replica.apply(.write(path: "q/a.tmp", offset: 0, bytes: $0)) }
        try replica.apply(.truncate(path: "q/a.tmp", size: 5))
        try replica.apply(.rename(from: "q/a.tmp", to: "q/a"))
        try replica.apply(.create(path: "q/b"))
        try replica.apply(.makeDirectory(path: "r/s"))
        try replica.sync()
        let index = try FileIndex.scan(root: dir.path)
        #expect(index.map(\.path) == ["q", "q/a", "q/b", "r", "r/s"])
        #expect(index[1].size == 5 && index[2].size == 0)
        try replica.apply(.remove(path: "q/a"))
        try replica.apply(.remove(path: "q/b"))
        try replica.apply(.removeDirectory(path: "q"))
        try replica.apply(.removeDirectory(path: "r/s"))
        try replica.sync()
        #expect(try FileIndex.scan(root: dir.path).map(\.path) == ["r"])
    }
}
