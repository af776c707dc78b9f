/// The 8 bytes every storage file starts with: a 4-byte ASCII magic naming the file kind, then the format version
/// as UInt32 little-endian (1 for everything this build writes).
///
/// | file                 | magic  |
/// |----------------------|--------|
/// | segment `msgs.N`     | `GWSG` |
/// | ack file `acks.N`    | `GWAK` |
/// | append log `*.log`   | `GWLG` |
/// | atomic file          | `GWAF` |
struct FileHeader {
    /// Size of the magic plus version.
    static let size = 8
    /// The version this build writes and reads.
    static let version: UInt32 = 1

    static let segment = FileHeader(magic: "GWSG")
    static let acks = FileHeader(magic: "GWAK")
    static let appendLog = FileHeader(magic: "GWLG")
    static let atomicFile = FileHeader(magic: "GWAF")

    /// The 8 header bytes.
    let bytes: [UInt8]

    private init(magic: StaticString) {
        var b = [UInt8](UnsafeBufferPointer(start: magic.utf8Start, count: 4))
        withUnsafeBytes(of: FileHeader.version.littleEndian) { b.append(contentsOf: $0) }
        bytes = b
    }

    /// What a file's first bytes say about it.
    enum Check {
        /// The full header, as expected.
        case valid
        /// Shorter than a header, and a prefix of it or all zero: the file was being created when the process
        /// stopped. It holds no records.
        case torn
        /// Something else: another file, or another format version.
        case foreign
    }

    /// Checks the start of a file (`prefix` may be shorter than the header when the file is).
    func check(_ prefix: UnsafeRawBufferPointer) -> Check {
        let n = min(prefix.count, FileHeader.size)
        let matches = (0..<n).allSatisfy { prefix[$0] == bytes[$0] }
        if matches { return n == FileHeader.size ? .valid : .torn }
        return (0..<n).allSatisfy { prefix[$0] == 0 } ? .torn : .foreign
    }

    /// A human-readable account of a foreign header, for error messages.
    func mismatch(_ prefix: UnsafeRawBufferPointer) -> String {
        let expected = String(decoding: bytes[0..<4], as: UTF8.self)
        let got = prefix.prefix(FileHeader.size).map { FileIO.hex($0) }.joined(separator: " ")
        return "expected magic \(expected) version \(FileHeader.version), found bytes \(got)"
    }
}
