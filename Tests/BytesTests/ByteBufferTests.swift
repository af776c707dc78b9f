import Testing
@testable import Bytes

@Suite struct ByteBufferTests {
    @Test func integersRoundTripBigEndian() {
        var b = ByteBuffer()
        b.writeInteger(UInt16(0x0102))
        b.writeInteger(UInt32(0x0304_0506))
        b.writeInteger(UInt64(0x0708_090A_0B0C_0D0E))
        #expect(b.readableBytesArray == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        #expect(b.readInteger(as: UInt16.self) == 0x0102)
        #expect(b.readInteger(as: UInt32.self) == 0x0304_0506)
        #expect(b.readInteger(as: UInt64.self) == 0x0708_090A_0B0C_0D0E)
        #expect(b.readableBytes == 0)
    }

    @Test func shortReadLeavesReaderIndex() {
        var b = ByteBuffer(bytes: [1, 2, 3])
        #expect(b.readInteger(as: UInt32.self) == nil)
        #expect(b.readerIndex == 0)
        #expect(b.readBytes(4) == nil)
        #expect(b.readBytes(3) == [1, 2, 3])
    }

    @Test func discardKeepsUnreadBytes() {
        var b = ByteBuffer(bytes: [1, 2, 3, 4])
        _ = b.readUInt8()
        b.discardReadBytes()
        #expect(b.readerIndex == 0)
        #expect(b.readableBytesArray == [2, 3, 4])
    }

    @Test func setIntegerPatchesLengthPrefix() {
        var b = ByteBuffer()
        let at = b.reserveBytes(4)
        b.writeBytes([9, 9])
        b.setInteger(UInt32(2), at: at)
        #expect(b.readableBytesArray == [0, 0, 0, 2, 9, 9])
    }

    @Test func writeWithUnsafeMutableBytesKeepsOnlyWrittenBytes() {
        var b = ByteBuffer()
        let n = b.writeWithUnsafeMutableBytes(maximum: 16) { raw in
            raw[0] = 7
            raw[1] = 8
            return 2
        }
        #expect(n == 2)
        #expect(b.readableBytesArray == [7, 8])
    }

    @Test func sliceSeesOnlyItsBytesAndWritesDoNotLeakBetweenBuffers() {
        var b = ByteBuffer(bytes: [1, 2, 3, 4, 5])
        var slice = b.readSlice(2)!
        #expect(slice.readableBytesArray == [1, 2])
        #expect(slice.readInteger(as: UInt32.self) == nil)
        slice.writeUInt8(9)
        #expect(slice.readableBytesArray == [1, 2, 9])
        #expect(b.readableBytesArray == [3, 4, 5])
        b.writeUInt8(6)
        b.discardReadBytes()
        #expect(b.readableBytesArray == [3, 4, 5, 6])
        #expect(slice.readableBytesArray == [1, 2, 9])
    }
}
