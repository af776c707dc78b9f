import Glibc

/// A non-blocking TCP client socket that waits with `poll` against a `Deadline` at every step; closed on deinit,
/// so every path that drops it (success, error, timeout) releases the descriptor.
final class Socket {
    let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Resolves `host` and connects to the first of its addresses that accepts, in `getaddrinfo` order.
    ///
    /// The time left is shared among the addresses still to try, so an address that drops SYNs cannot use up the
    /// deadline before the next one is tried. `numericHost` (an IP literal) skips DNS entirely.
    static func connect(host: String, port: Int, numericHost: Bool, deadline: Deadline) throws(HTTPFetchError) -> Socket
    {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (numericHost ? AI_NUMERICHOST : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            let reason = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
            throw HTTPFetchError(.resolve, "cannot resolve \(host): \(reason)")
        }
        defer { freeaddrinfo(list) }
        guard !deadline.isExpired else { throw deadline.expired(while: "resolving \(host)") }

        var addresses: [UnsafeMutablePointer<addrinfo>] = []
        var next: UnsafeMutablePointer<addrinfo>? = list
        while let address = next {
            addresses.append(address)
            next = address.pointee.ai_next
        }
        var failures: [String] = []
        for (index, address) in addresses.enumerated() {
            let text = numericText(address.pointee)
            do {
                return try attempt(address.pointee, deadline: deadline.share(of: addresses.count - index), text: text)
            } catch {
                if error.kind == .timeout && deadline.isExpired {
                    throw deadline.expired(while: "connecting to \(host) port \(port) (\(text))")
                }
                failures.append(error.message)
            }
        }
        throw HTTPFetchError(
            .connect, "cannot connect to \(host) port \(port): \(failures.joined(separator: "; "))")
    }

    /// One non-blocking connect: `EINPROGRESS`, then `POLLOUT` and `SO_ERROR` tell how it went.
    private static func attempt(_ address: addrinfo, deadline: Deadline, text: String) throws(HTTPFetchError) -> Socket
    {
        let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        let fd = socket(address.ai_family, type, address.ai_protocol)
        guard fd >= 0 else { throw HTTPFetchError(.connect, "\(text): socket: \(String(cString: strerror(errno)))") }
        let socket = Socket(fd: fd)
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return socket }
        guard errno == EINPROGRESS || errno == EINTR else {
            throw HTTPFetchError(.connect, "\(text): \(String(cString: strerror(errno)))")
        }
        do {
            try socket.wait(for: POLLOUT, until: deadline, while: "connecting to \(text)")
        } catch {
            throw error.kind == .timeout ? HTTPFetchError(.timeout, "\(text): no answer") : error
        }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length) == 0 else {
            throw HTTPFetchError(.connect, "\(text): getsockopt: \(String(cString: strerror(errno)))")
        }
        guard failure == 0 else { throw HTTPFetchError(.connect, "\(text): \(String(cString: strerror(failure)))") }
        return socket
    }

    /// The address as digits, e.g. `127.0.0.1` or `::1`.
    private static func numericText(_ address: addrinfo) -> String {
        var text = [CChar](repeating: 0, count: 1025)
        guard
            getnameinfo(address.ai_addr, address.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0
        else { return "an address" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Blocks until `events` (`POLLIN`/`POLLOUT`) are ready, the socket has an error or hangs up (the next read or
    /// write reports it), or the deadline passes.
    func wait(for events: Int32, until deadline: Deadline, while activity: @autoclosure () -> String)
        throws(HTTPFetchError)
    {
        var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
        while true {
            let timeout = deadline.pollTimeout
            guard timeout > 0 else { throw deadline.expired(while: activity()) }
            let ready = poll(&entry, 1, timeout)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw HTTPFetchError(.connect, "poll failed while \(activity()): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Reads what is there into `buffer`, waiting for data until the deadline; 0 means the peer closed.
    func read(into buffer: inout [UInt8], until deadline: Deadline) throws(HTTPFetchError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(for: POLLIN, until: deadline, while: "waiting for the response")
            default:
                throw HTTPFetchError(
                    .connect, "reading the response failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes all of `bytes`, waiting for room until the deadline. `MSG_NOSIGNAL`: a peer that went away is an
    /// `EPIPE` error, not a `SIGPIPE`.
    func write(_ bytes: [UInt8], until deadline: Deadline) throws(HTTPFetchError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 {
                offset += count
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(for: POLLOUT, until: deadline, while: "sending the request")
            default:
                throw HTTPFetchError(.connect, "sending the request failed: \(String(cString: strerror(errno)))")
            }
        }
    }
}
