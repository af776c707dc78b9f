import CLinux
import Glibc

/// One epoll instance and its event buffer (allocated once), level-triggered. Each registration carries a 64-bit
/// token chosen by the loop (`Registration.Owner.token`), returned with its events.
final class Selector {
    let fd: Int32
    private let events: UnsafeMutableRawPointer
    private let capacity: Int32

    init(capacity: Int32 = 256) throws(TransportError) {
        let epfd = try SystemCall.retrying("epoll_create") { Int(gw_epoll_create()) }
        fd = Int32(epfd)
        self.capacity = capacity
        events = UnsafeMutableRawPointer.allocate(
            byteCount: gw_epoll_event_size() * Int(capacity), alignment: 16)
    }

    deinit {
        events.deallocate()
        _ = Glibc.close(fd)
    }

    func add(fd: Int32, token: UInt64, interest: UInt32) throws(TransportError) {
        _ = try SystemCall.retrying("epoll_ctl add fd \(fd)") {
            Int(gw_epoll_ctl(self.fd, 0, fd, interest, token))
        }
    }

    func modify(fd: Int32, token: UInt64, interest: UInt32) throws(TransportError) {
        _ = try SystemCall.retrying("epoll_ctl modify fd \(fd)") {
            Int(gw_epoll_ctl(self.fd, 1, fd, interest, token))
        }
    }

    /// Removes `fd`; failures are ignored because the fd is about to be closed, which removes it anyway.
    func remove(fd: Int32) {
        _ = gw_epoll_ctl(self.fd, 2, fd, 0, 0)
    }

    /// Waits for events (`timeoutMilliseconds` -1 = forever, 0 = poll) and returns how many are ready.
    func wait(timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        try SystemCall.retrying("epoll_wait") {
            Int(gw_epoll_wait(self.fd, self.events, self.capacity, timeoutMilliseconds))
        }
    }

    /// The ready-event mask and token of event `index` from the last `wait`.
    @inline(__always)
    func event(_ index: Int) -> (events: UInt32, token: UInt64) {
        (gw_epoll_event_events(events, Int32(index)), gw_epoll_event_data(events, Int32(index)))
    }
}
