import CLinux
import Glibc

/// An outbound TCP connection being established on an event loop: a non-blocking `connect` watched for `EPOLLOUT`,
/// with a deadline. Once connected the socket becomes an ordinary `TCPConnection` (same batching, watermarks and
/// writability notifications as an accepted one) whose handler gets `connectionActive`.
///
/// Loop thread only. The target must be a numeric IPv4 or IPv6 address: resolving a name (`getaddrinfo`) blocks,
/// which an event loop must not do, so a caller with a host name resolves it elsewhere first
/// (`SocketAddress.resolve(host:port:)`, e.g. on the thread that learns where the upstream is).
public final class TCPConnector {
    private let fd: Int32
    private let eventLoop: EventLoop
    private let remoteAddress: SocketAddress
    /// Until the outcome is known: the handler of the connection to be, and where a failure goes.
    private var handler: ConnectionHandler?
    private var onFailure: ((TransportError) -> Void)?
    private var deadline: TimerID?
    private var isRegistered = false

    private init(
        fd: Int32, eventLoop: EventLoop, remoteAddress: SocketAddress, handler: ConnectionHandler,
        onFailure: @escaping (TransportError) -> Void
    ) {
        self.fd = fd
        self.eventLoop = eventLoop
        self.remoteAddress = remoteAddress
        self.handler = handler
        self.onFailure = onFailure
    }

    /// Connects to `host:port` (a numeric IPv4/IPv6 address) from `loop`, which must be the calling thread's loop.
    ///
    /// Exactly one outcome follows, later on the loop and never from inside this call: either the connection is
    /// registered with `loop` (TCP_NODELAY, non-blocking) with `handler` as its handler, which then gets
    /// `connectionActive` like the handler of an accepted connection; or `onFailure` is called once with why (refused,
    /// unreachable, `timeout` elapsed, not a numeric address, the loop stopped), and `handler` is never called.
    /// `cancel()` on the returned connector before either happens abandons the attempt with neither.
    @discardableResult
    public static func connect(
        host: String, port: Int, on loop: EventLoop, timeout: Duration, handler: ConnectionHandler,
        onFailure: @escaping (TransportError) -> Void
    ) -> TCPConnector {
        precondition(loop.inEventLoop, "TCPConnector.connect called off the loop thread")
        let target = SocketAddress(host: host, port: port)
        let fd: Int32
        do throws(TransportError) {
            fd = try startConnect(to: target)
        } catch {
            let connector = TCPConnector(
                fd: -1, eventLoop: loop, remoteAddress: target, handler: handler, onFailure: onFailure)
            loop.enqueue { connector.fail(error) }
            return connector
        }
        let connector = TCPConnector(
            fd: fd, eventLoop: loop, remoteAddress: target, handler: handler, onFailure: onFailure)
        do throws(TransportError) {
            _ = try loop.register(.connector(connector), fd: fd, interest: gw_epollout)
        } catch {
            loop.enqueue { connector.fail(error) }
            return connector
        }
        connector.isRegistered = true
        connector.deadline = loop.scheduleTimer(after: timeout) { [weak connector] in
            guard let connector else { return }
            connector.deadline = nil
            connector.fail(
                TransportError(
                    operation: "connect to \(target)", reason: "not connected within \(timeout)", errno: ETIMEDOUT))
        }
        return connector
    }

    /// A non-blocking socket (TCP_NODELAY) whose connect to `target` is under way or done.
    private static func startConnect(to target: SocketAddress) throws(TransportError) -> Int32 {
        let operation = "connect to \(target)"
        guard (0...65535).contains(target.port) else {
            throw TransportError(operation: operation, reason: "port out of range 0...65535", errno: EINVAL)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(0)
        guard gw_numeric_address(target.host, Int32(target.port), &storage, &length) == 0 else {
            throw TransportError(operation: operation, reason: "not a numeric IPv4 or IPv6 address", errno: EINVAL)
        }
        let fd = Int32(
            try SystemCall.retrying("socket for \(target)") { Int(gw_socket_stream(Int32(storage.ss_family))) })
        _ = gw_set_nodelay(fd)
        if gw_connect(fd, &storage, length) != 0 {
            // EINTR: the connect goes on asynchronously, like EINPROGRESS.
            let code = Glibc.errno
            guard code == EINPROGRESS || code == EINTR else {
                _ = Glibc.close(fd)
                throw TransportError(errno: code, operation: operation)
            }
        }
        return fd
    }

    /// Abandons a connect still in progress: the socket is closed and neither the handler nor `onFailure` is called.
    /// Does nothing once the outcome was delivered.
    public func cancel() {
        assert(eventLoop.inEventLoop, "TCPConnector used off its event loop")
        guard handler != nil else { return }
        release()
    }

    // MARK: - Loop side

    /// The socket became writable or failed: the connect completed one way or the other.
    func connectReady() {
        guard let handler, let onFailure else { return }
        let code = gw_socket_error(fd)
        guard code == 0 else {
            fail(TransportError(errno: code, operation: "connect to \(remoteAddress)"))
            return
        }
        guard let local = SocketAddress(socket: fd, peer: false) else {
            fail(TransportError(operation: "connect to \(remoteAddress)", reason: "no local address once connected"))
            return
        }
        // From here on the socket belongs to the connection.
        eventLoop.deregister(fd: fd)
        isRegistered = false
        if let deadline { eventLoop.cancelTimer(deadline) }
        deadline = nil
        self.handler = nil
        self.onFailure = nil
        let connection = TCPConnection(fd: fd, eventLoop: eventLoop, localAddress: local, remoteAddress: remoteAddress)
        connection.handler = handler
        do throws(TransportError) {
            try connection.activate()
        } catch {
            connection.handler = nil
            connection.discard()
            onFailure(error)
        }
    }

    /// The loop is stopping: the attempt fails.
    func abandon() {
        fail(TransportError(operation: "connect to \(remoteAddress)", reason: "the event loop stopped"))
    }

    /// Closes the socket and reports `error` once, unless the outcome was already delivered or the attempt cancelled.
    private func fail(_ error: TransportError) {
        guard handler != nil, let onFailure else { return }
        release()
        onFailure(error)
    }

    /// Deregisters, closes the socket, cancels the deadline and drops the handler and callback.
    private func release() {
        if isRegistered { eventLoop.deregister(fd: fd) }
        isRegistered = false
        if fd >= 0 { _ = Glibc.close(fd) }
        if let deadline { eventLoop.cancelTimer(deadline) }
        deadline = nil
        handler = nil
        onFailure = nil
    }
}
