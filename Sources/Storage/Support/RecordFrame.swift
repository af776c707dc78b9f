/// The framing shared by segment files and append logs: one record is
///
/// ```
/// offset  size  field
/// 0       4     length   UInt32 little-endian: payload bytes
/// 4       4     crc      UInt32 little-endian: CRC-32C of the 4 length bytes followed by the payload
/// 8       n     payload  opaque bytes
/// ```
///
/// The checksum covers the length as well as the payload, so a run of zero bytes (what some file systems leave
/// after a power cut: the size grew, the data never arrived) is not a valid empty record: the CRC-32C of four
/// zero bytes is 0x48674BC7, not 0. A record is valid only when its header and its whole payload are inside the
/// file and the checksum matches; scanning stops at the first record that is not, because a damaged length
/// leaves no trustworthy place to resume.
enum RecordFrame {
    /// Bytes of framing before each payload.
    static let headerSize = 8

    /// The checksum stored in the header of a record with `payload`.
    static func checksum(_ payload: UnsafeRawBufferPointer) -> UInt32 {
        var length = UInt32(payload.count).littleEndian
        let crc = withUnsafeBytes(of: &length) { CRC32C.checksum($0) }
        return CRC32C.update(crc, payload)
    }

    /// Writes the header for `payload` at `destination` (8 bytes).
    static func writeHeader(for payload: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer) {
        destination.storeBytes(of: UInt32(payload.count).littleEndian, as: UInt32.self)
        destination.storeBytes(of: checksum(payload).littleEndian, toByteOffset: 4, as: UInt32.self)
    }

    /// Walks the records of `file` from `start`, calling `body(offset, payload)` for each valid one, and returns
    /// where the valid records end and, if the walk stopped before the end of `file`, why
    /// (`"torn record: partial header"`, `"torn record: partial payload"`, `"CRC mismatch"`).
    static func scan(
        _ file: UnsafeRawBufferPointer, from start: Int, _ body: (Int, UnsafeRawBufferPointer) -> Void
    ) -> (end: Int, damage: String?) {
        var offset = start
        while offset < file.count {
            guard file.count - offset >= headerSize else { return (offset, "torn record: partial header") }
            let length = Int(UInt32(littleEndian: file.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            let stored = UInt32(littleEndian: file.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            guard file.count - offset - headerSize >= length else { return (offset, "torn record: partial payload") }
            let payload = UnsafeRawBufferPointer(rebasing: file[(offset + headerSize)..<(offset + headerSize + length)])
            guard checksum(payload) == stored else { return (offset, "CRC mismatch") }
            body(offset, payload)
            offset += headerSize + length
        }
        return (offset, nil)
    }
}
