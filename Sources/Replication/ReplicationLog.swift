import Bytes
import Locks
import Storage

/// The leader's stream of file changes (issue 12 §3): attached to the data directory as its `FileChangeObserver`, it
/// records every change as replication frames, in the order the file system saw them, for each follower's sender to
/// read at its own cursor.
///
/// Positions count bytes of change frames from when the log started. Bytes are kept only from the oldest cursor on:
/// with no follower registered nothing is kept, and a follower that falls more than `maxLagBytes` behind is dropped
/// (its sender sees `nil` and disconnects it), so memory stays bounded.
public final class ReplicationLog: FileChangeObserver, @unchecked Sendable {
    private struct State {
        /// Encoded change frames from `base` to `end`, in chunks.
        var chunks: [[UInt8]] = []
        var base: UInt64 = 0
        var end: UInt64 = 0
        /// Follower id → the position its sender has reached.
        var cursors: [Int: UInt64] = [:]
        var dropped: Set<Int> = []
        var nextID = 0
        var scratch = ByteBuffer()
    }

    /// How far a follower's sender may fall behind before it is dropped.
    public let maxLagBytes: UInt64
    private let state = ConditionLock(State())
    private static let chunkSize = 1 << 20

    /// A log that drops followers more than `maxLagBytes` behind.
    public init(maxLagBytes: UInt64) {
        self.maxLagBytes = maxLagBytes
    }

    /// The position after the last recorded change.
    public var position: UInt64 { state.withLock { $0.end } }

    public func record<E: Error>(_ change: FileChange, _ apply: () throws(E) -> Void) throws(E) {
        try state.withLockBroadcasting { (s) throws(E) in
            try apply()
            guard !s.cursors.isEmpty else { return }
            s.scratch.clear()
            ReplicationCodec.encode(change, into: &s.scratch)
            let n = s.scratch.readableBytes
            s.scratch.withReadableBytes { bytes in
                var done = 0
                while done < bytes.count {
                    if s.chunks.isEmpty || s.chunks[s.chunks.count - 1].count == Self.chunkSize {
                        s.chunks.append([])
                        s.chunks[s.chunks.count - 1].reserveCapacity(Self.chunkSize)
                    }
                    let room = Self.chunkSize - s.chunks[s.chunks.count - 1].count
                    let piece = min(room, bytes.count - done)
                    s.chunks[s.chunks.count - 1].append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[done..<done + piece]))
                    done += piece
                }
            }
            s.end += UInt64(n)
            for (id, cursor) in s.cursors where s.end - cursor > maxLagBytes { s.dropped.insert(id) }
            for id in s.dropped { s.cursors[id] = nil }
            Self.trim(&s)
        }
    }

    /// Runs `body` while no change can be recorded (the final bulk-sync round reads the files), then registers a
    /// follower whose stream starts at the position after everything recorded so far. Returns its id and position.
    public func register<R>(_ body: () throws -> R) rethrows -> (id: Int, position: UInt64, result: R) {
        try state.withLock { s in
            let result = try body()
            s.nextID += 1
            if s.cursors.isEmpty { s.base = s.end }
            s.cursors[s.nextID] = s.end
            return (s.nextID, s.end, result)
        }
    }

    /// Forgets follower `id` (disconnected).
    public func unregister(_ id: Int) {
        state.withLockBroadcasting { s in
            s.cursors[id] = nil
            s.dropped.remove(id)
            Self.trim(&s)
        }
    }

    /// The frames after follower `id`'s cursor (at most `limit` bytes, whole frames not guaranteed: the stream is
    /// bytes), waiting until `deadline` (monotonic ms) for some; the cursor moves past them. Empty when nothing came
    /// in time; nil when the follower was dropped for lagging or unregistered.
    public func next(for id: Int, limit: Int, deadline: Int64) -> [UInt8]? {
        state.wait(until: deadline) { s -> [UInt8]?? in
            guard !s.dropped.contains(id), let cursor = s.cursors[id] else { return .some(nil) }
            guard cursor < s.end else { return nil }
            var out: [UInt8] = []
            var at = cursor
            var chunkStart = s.base
            for chunk in s.chunks {
                let chunkEnd = chunkStart + UInt64(chunk.count)
                if at < chunkEnd {
                    let from = Int(at - chunkStart)
                    let take = min(chunk.count - from, limit - out.count)
                    out.append(contentsOf: chunk[from..<from + take])
                    at += UInt64(take)
                    if out.count == limit { break }
                }
                chunkStart = chunkEnd
            }
            s.cursors[id] = at
            Self.trim(&s)
            return .some(out)
        } ?? []
    }

    /// The end position, waiting until `deadline` for it to move past `known` (a sender idle until then sends a
    /// heartbeat).
    public func waitForChange(after known: UInt64, deadline: Int64) -> UInt64 {
        state.wait(until: deadline) { s in s.end > known ? s.end : nil } ?? state.withLock { $0.end }
    }

    /// Drops the chunks every cursor has passed.
    private static func trim(_ s: inout State) {
        guard let oldest = s.cursors.values.min() else {
            s.chunks.removeAll()
            s.base = s.end
            return
        }
        while let first = s.chunks.first, s.chunks.count > 1 || first.count == chunkSize,
            s.base + UInt64(first.count) <= oldest
        {
            s.base += UInt64(first.count)
            s.chunks.removeFirst()
        }
    }
}
