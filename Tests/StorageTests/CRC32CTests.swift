import Testing

@testable import Storage

@Suite("CRC-32C")
struct CRC32CTests {
    @Test("matches the Castagnoli check values")
    func checkValues() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.checksum($0) } == 0xE306_9283)
        #expect([UInt8](repeating: 0, count: 32).withUnsafeBytes { CRC32C.checksum($0) } == 0x8A91_36AA)
        #expect([UInt8](repeating: 0xFF, count: 32).withUnsafeBytes { CRC32C.checksum($0) } == 0x62A8_AB43)
        #expect([UInt8]().withUnsafeBytes { CRC32C.checksum($0) } == 0)
    }

    @Test("the 8-byte path and the byte path agree at every split")
    func incremental() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let whole = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        for split in 0...bytes.count {
            let a = bytes[..<split].withUnsafeBytes { CRC32C.checksum($0) }
            #expect(bytes[split...].withUnsafeBytes { CRC32C.update(a, $0) } == whole)
        }
    }
}
