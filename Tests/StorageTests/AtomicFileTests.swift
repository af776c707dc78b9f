import Testing

@testable import Storage

@Suite("AtomicFile: old or new, never a mix")
struct AtomicFileTests {
    @Test("a missing file reads as nil; a write replaces the contents")
    func writeAndRead() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let file = AtomicFile(path: tmp.path + "/definitions")
        #expect(try file.read() == nil)
        try file.write(Array("old".utf8))
        #expect(try file.read() == Array("old".utf8))
        try file.write(Array("new contents".utf8))
        #expect(try file.read() == Array("new contents".utf8))
        #expect(!TestFiles.exists(file.temporaryPath))
        try file.write([])
        #expect(try file.read() == [])
    }

    @Test("a crash before the rename leaves the old contents; the next write succeeds")
    func crashBeforeRename() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let file = AtomicFile(path: tmp.path + "/definitions")
        try file.write(Array("old".utf8))
        try Array("new".utf8).withUnsafeBytes { try file.writeTemporary($0) }
        #expect(try file.read() == Array("old".utf8))
        // A half-written temporary file is equally harmless.
        TestFiles.write(file.temporaryPath, Array("GWAF\u{1}".utf8))
        #expect(try file.read() == Array("old".utf8))
        try file.write(Array("new".utf8))
        #expect(try file.read() == Array("new".utf8))
    }

    @Test("a damaged file is reported as corrupt, not half-read")
    func corrupt() throws {
        let tmp = TempDirectory()
        defer { tmp.remove() }
        let file = AtomicFile(path: tmp.path + "/definitions")
        try file.write(Array("some definitions".utf8))
        var bytes = TestFiles.read(file.path)
        bytes[20] ^= 1
        TestFiles.write(file.path, bytes)
        let error = #expect(throws: StorageError.self) { try file.read() }
        #expect(error?.kind == .corrupt)
        TestFiles.write(file.path, Array(bytes.prefix(18)))
        #expect(throws: StorageError.self) { try file.read() }
    }
}
