/// The bytes received on a connection and not yet decoded, in one contiguous block of raw memory.
///
/// Consumers read big chunks (up to the whole free space, 1 MiB by default) and decode every frame in it
/// in place; only the unfinished tail is moved to the front before the next read. The block grows when a
/// single frame (a large frame_max) does not fit.
final class ReceiveBuffer {
    /// Start of the block.
    private(set) var base: UnsafeMutableRawPointer
    /// Size of the block.
    private(set) var capacity: Int
    /// Offset of the first undecoded byte.
    var start = 0
    /// Offset just past the last received byte.
    private(set) var end = 0

    init(capacity: Int = 1 << 20) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Number of received bytes not yet decoded.
    @inline(__always) var readable: Int { end - start }

    /// Makes room for at least `minimum` more bytes after `end`, moving the undecoded bytes to the front
    /// and growing the block if needed. Returns where to write and how much room there is.
    func prepareForWrite(minimum: Int) -> (UnsafeMutableRawPointer, Int) {
        if start == end {
            start = 0
            end = 0
        }
        if capacity - end < minimum {
            if start > 0 {
                (base + 0).copyMemory(from: base + start, byteCount: readable)
                end -= start
                start = 0
            }
            if capacity - end < minimum {
                let grown = Swift.max(capacity * 2, end + minimum)
                let block = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
                block.copyMemory(from: base, byteCount: end)
                base.deallocate()
                base = block
                capacity = grown
            }
        }
        return (base + end, capacity - end)
    }

    /// Records that `count` bytes were written at the pointer `prepareForWrite` returned.
    func didWrite(_ count: Int) {
        end += count
    }

    /// A big-endian integer `offset` bytes after `start`; the caller has checked it is readable.
    @inline(__always)
    func load<T: FixedWidthInteger>(at offset: Int, as: T.Type) -> T {
        T(bigEndian: (base + start + offset).loadUnaligned(as: T.self))
    }
}
