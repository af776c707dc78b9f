/// A growable byte buffer with separate reader and writer positions.
///
/// Codecs decode from the readable region (`readerIndex..<writerIndex`) and encode by appending
/// at `writerIndex`. All multi-byte integers are big-endian (network order), which is what both
/// AMQP 0-9-1 and MQTT use. Reads that would run past the readable region return `nil` and
/// leave the reader index unchanged, so a decoder can stop and wait for more bytes.
///
/// `readSlice` shares storage with the buffer it was cut from (copy-on-write), so cutting a frame
/// payload out of a connection's receive buffer copies nothing.
public struct ByteBuffer: Sendable, Equatable {
    /// Backing storage; bytes before `readerIndex` are consumed, bytes from `writerIndex` on belong to
    /// whoever else shares the storage (a slice ends before the end of its storage).
    @usableFromInline var storage: [UInt8]
    /// Position of the next byte to read.
    public var readerIndex: Int
    /// Position where the next write appends (the end of the readable bytes).
    @inlinable public var writerIndex: Int { end }
    @usableFromInline var end: Int

    /// Creates an empty buffer with room for `capacity` bytes.
    @inlinable public init(capacity: Int = 0) {
        storage = []
        storage.reserveCapacity(capacity)
        readerIndex = 0
        end = 0
    }

    /// Creates a buffer whose readable bytes are `bytes`.
    @inlinable public init<S: Sequence>(bytes: S) where S.Element == UInt8 {
        storage = Array(bytes)
        readerIndex = 0
        end = storage.count
    }

    /// Two buffers are equal when their readable bytes are equal.
    @inlinable public static func == (lhs: ByteBuffer, rhs: ByteBuffer) -> Bool {
        lhs.storage[lhs.readerIndex..<lhs.writerIndex] == rhs.storage[rhs.readerIndex..<rhs.writerIndex]
    }

    /// Number of bytes that can still be read.
    @inlinable public var readableBytes: Int { writerIndex - readerIndex }

    /// A copy of the readable bytes.
    @inlinable public var readableBytesArray: [UInt8] { Array(storage[readerIndex..<writerIndex]) }

    /// Calls `body` with the readable region.
    @inlinable public func withReadableBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[readerIndex..<writerIndex]))
        }
    }

    /// Drops everything (readable bytes included) and keeps the allocation.
    @inlinable public mutating func clear() {
        storage.removeAll(keepingCapacity: true)
        readerIndex = 0
        end = 0
    }

    /// Moves the readable bytes to the front so consumed space is reused.
    @inlinable public mutating func discardReadBytes() {
        guard readerIndex > 0 else { return }
        makeWritable()
        if readerIndex == storage.count {
            storage.removeAll(keepingCapacity: true)
        } else {
            storage.removeSubrange(0..<readerIndex)
        }
        readerIndex = 0
        end = storage.count
    }

    /// Drops bytes past `writerIndex` that only a shared slice's storage had, so appends land at `writerIndex`.
    @inlinable mutating func makeWritable() {
        if writerIndex != storage.count { storage.removeSubrange(writerIndex...) }
    }

    /// Marks `count` readable bytes as consumed.
    @inlinable public mutating func moveReaderIndex(forwardBy count: Int) {
        precondition(count >= 0 && count <= readableBytes, "ByteBuffer: skip past the readable region")
        readerIndex += count
    }

    /// Reserves room for `count` more bytes, growing geometrically so repeated calls stay amortised O(1).
    @inlinable public mutating func reserveCapacity(minimumWritableBytes count: Int) {
        makeWritable()
        let needed = storage.count + count
        if storage.capacity < needed { storage.reserveCapacity(Swift.max(needed, storage.capacity * 2)) }
    }

    // MARK: - Peeking (does not move the reader index)

    /// Byte at `readerIndex + offset`, or nil when not yet readable.
    @inlinable public func peekUInt8(at offset: Int = 0) -> UInt8? {
        let i = readerIndex + offset
        guard offset >= 0, i < writerIndex else { return nil }
        return storage[i]
    }

    /// Big-endian integer at `readerIndex + offset`, or nil when not yet readable.
    @inlinable public func peekInteger<T: FixedWidthInteger>(at offset: Int = 0, as: T.Type = T.self) -> T? {
        let i = readerIndex + offset
        guard offset >= 0, i + MemoryLayout<T>.size <= writerIndex else { return nil }
        return storage.withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: i, as: T.self)) }
    }

    // MARK: - Reading

    /// Reads one byte.
    @inlinable public mutating func readUInt8() -> UInt8? {
        guard readerIndex < writerIndex else { return nil }
        defer { readerIndex += 1 }
        return storage[readerIndex]
    }

    /// Reads a big-endian integer.
    @inlinable public mutating func readInteger<T: FixedWidthInteger>(as: T.Type = T.self) -> T? {
        guard let v: T = peekInteger() else { return nil }
        readerIndex += MemoryLayout<T>.size
        return v
    }

    /// Reads `count` bytes into a new array.
    @inlinable public mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= readableBytes else { return nil }
        defer { readerIndex += count }
        return Array(storage[readerIndex..<readerIndex + count])
    }

    /// Reads `count` bytes as a buffer that shares this one's storage (no copy).
    @inlinable public mutating func readSlice(_ count: Int) -> ByteBuffer? {
        guard count >= 0, count <= readableBytes else { return nil }
        defer { readerIndex += count }
        return ByteBuffer(storage: storage, readerIndex: readerIndex, writerIndex: readerIndex + count)
    }

    @inlinable init(storage: [UInt8], readerIndex: Int, writerIndex: Int) {
        self.storage = storage
        self.readerIndex = readerIndex
        self.end = writerIndex
    }

    // MARK: - Writing

    /// Appends one byte.
    @inlinable public mutating func writeUInt8(_ v: UInt8) {
        makeWritable()
        storage.append(v)
        end += 1
    }

    /// Appends a big-endian integer.
    @inlinable public mutating func writeInteger<T: FixedWidthInteger>(_ v: T) {
        makeWritable()
        withUnsafeBytes(of: v.bigEndian) { storage.append(contentsOf: $0) }
        end = storage.count
    }

    /// Appends bytes.
    @inlinable public mutating func writeBytes<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        makeWritable()
        storage.append(contentsOf: bytes)
        end = storage.count
    }

    /// Appends raw bytes.
    @inlinable public mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) {
        makeWritable()
        storage.append(contentsOf: bytes)
        end = storage.count
    }

    /// Appends the readable bytes of another buffer.
    @inlinable public mutating func writeBuffer(_ other: ByteBuffer) {
        makeWritable()
        storage.append(contentsOf: other.storage[other.readerIndex..<other.writerIndex])
        end = storage.count
    }

    /// Overwrites a big-endian integer at an absolute index below `writerIndex` (for length prefixes).
    @inlinable public mutating func setInteger<T: FixedWidthInteger>(_ v: T, at index: Int) {
        precondition(index >= 0 && index + MemoryLayout<T>.size <= writerIndex, "ByteBuffer: set past the end")
        storage.withUnsafeMutableBytes { $0.storeBytes(of: v.bigEndian, toByteOffset: index, as: T.self) }
    }

    /// Replaces the `count` written bytes at `index` with `bytes`, moving what follows: for a header whose size is
    /// known only once the body after it was written (a WebSocket frame around an MQTT packet).
    @inlinable public mutating func replaceBytes<C: Collection>(at index: Int, count: Int, with bytes: C)
    where C.Element == UInt8 {
        precondition(index >= readerIndex && index + count <= writerIndex, "ByteBuffer: replace outside the readable bytes")
        makeWritable()
        storage.replaceSubrange(index..<index + count, with: bytes)
        end = storage.count
    }

    /// Appends `count` zero bytes and returns the index of the first one (to patch later with `setInteger`).
    @inlinable public mutating func reserveBytes(_ count: Int) -> Int {
        makeWritable()
        let at = storage.count
        storage.append(contentsOf: repeatElement(0, count: count))
        end = storage.count
        return at
    }

    /// Appends up to `maximum` bytes produced by `body`, which fills the given buffer and returns how many it wrote
    /// (used by socket reads to fill the buffer without an intermediate copy).
    @inlinable public mutating func writeWithUnsafeMutableBytes(
        maximum: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int
    ) rethrows -> Int {
        makeWritable()
        let start = storage.count
        storage.append(contentsOf: repeatElement(0, count: maximum))
        var written = 0
        defer {
            storage.removeLast(maximum - written)
            end = storage.count
        }
        written = try storage.withUnsafeMutableBytes { raw in
            try body(UnsafeMutableRawBufferPointer(rebasing: raw[start..<start + maximum]))
        }
        precondition(written >= 0 && written <= maximum, "ByteBuffer: writer reported an impossible count")
        return written
    }
}
