/// What an fd registered with an event loop's selector belongs to, and the id its owner was given.
struct Registration {
    enum Owner {
        case connection(TCPConnection)
        case listener(ListenerChannel)
        /// An outbound socket whose connect is in progress.
        case connector(TCPConnector)
    }

    let id: UInt32
    let owner: Owner
}

extension Registration.Owner {
    /// The loop's own fds: no owner object.
    static let wakeupToken: UInt64 = 1
    static let timerToken: UInt64 = 2

    /// The epoll token of the owner: its address (objects are 16-byte aligned) with the kind in the low bits, so an
    /// event leads straight to its owner without a lookup. The loop keeps a deregistered owner alive until the end of
    /// the turn, and owners ignore events once closed, so an event of the batch being handled for a socket closed
    /// earlier in the same turn (whose fd number may already be reused) reaches only its closed former owner.
    var token: UInt64 {
        switch self {
        case .connection(let c): Self.address(of: c)
        case .listener(let l): Self.address(of: l) | 1
        case .connector(let k): Self.address(of: k) | 2
        }
    }

    /// Calls the owner that `token` (from `token`, never a loop token) names.
    @inline(__always)
    static func dispatch(token: UInt64, events: UInt32) {
        let raw = UnsafeRawPointer(bitPattern: UInt(token & ~0xF)).unsafelyUnwrapped
        switch token & 0xF {
        case 0: Unmanaged<TCPConnection>.fromOpaque(raw).takeUnretainedValue().handle(events: events)
        case 1: Unmanaged<ListenerChannel>.fromOpaque(raw).takeUnretainedValue().acceptReady()
        default: Unmanaged<TCPConnector>.fromOpaque(raw).takeUnretainedValue().connectReady()
        }
    }

    private static func address(of object: AnyObject) -> UInt64 {
        UInt64(UInt(bitPattern: Unmanaged.passUnretained(object).toOpaque()))
    }
}
