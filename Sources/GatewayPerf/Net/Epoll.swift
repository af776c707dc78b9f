import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// A level-triggered epoll instance with a fixed event array: how `mqtt connections` watches thousands of
/// non-blocking sockets from one thread. Each registration carries a caller-chosen 64-bit tag (the client's
/// index) that comes back with its events.
final class Epoll {
    /// Readable (or a peer that closed).
    static let readable = gw_epollin | gw_epollrdhup
    /// Writable: a non-blocking connect finished, successfully or not.
    static let writable = gw_epollout
    /// Error or hang-up (always reported).
    static let failure = gw_epollerr | gw_epollhup | gw_epollrdhup

    private let fd: Int32
    private let events: UnsafeMutableRawPointer
    private let capacity: Int
    /// Number of events the last `wait` returned.
    private(set) var count = 0

    /// Creates the instance with room for `capacity` events per `wait`.
    /// - Throws: `PerfError.io` when the kernel refuses (out of file descriptors).
    init(capacity: Int = 1024) throws(PerfError) {
        fd = gw_epoll_create()
        guard fd >= 0 else { throw .io("epoll_create failed: \(StandardError.describe(errno: errno))") }
        self.capacity = capacity
        events = UnsafeMutableRawPointer.allocate(byteCount: capacity * gw_epoll_event_size(), alignment: 16)
    }

    deinit {
        events.deallocate()
        _ = close(fd)
    }

    /// Watches `socket` for `interest`, reporting `tag` with its events.
    func add(_ socket: Int32, interest: UInt32, tag: UInt64) -> Bool {
        gw_epoll_ctl(fd, 0, socket, interest, tag) == 0
    }

    /// Changes what `socket` is watched for.
    func modify(_ socket: Int32, interest: UInt32, tag: UInt64) -> Bool {
        gw_epoll_ctl(fd, 1, socket, interest, tag) == 0
    }

    /// Stops watching `socket` (call before closing it, so no stale event names a reused descriptor).
    func remove(_ socket: Int32) {
        _ = gw_epoll_ctl(fd, 2, socket, 0, 0)
    }

    /// Waits up to `milliseconds` for events; afterwards `count`, `tag(at:)` and `events(at:)` describe them.
    func wait(milliseconds: Int32) {
        let n = gw_epoll_wait(fd, events, Int32(capacity), milliseconds)
        count = n > 0 ? Int(n) : 0
    }

    /// The tag of event `index` of the last `wait`.
    func tag(at index: Int) -> UInt64 { gw_epoll_event_data(events, Int32(index)) }

    /// The event bits of event `index` of the last `wait`.
    func events(at index: Int) -> UInt32 { gw_epoll_event_events(events, Int32(index)) }
}
