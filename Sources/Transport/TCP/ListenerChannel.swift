import CLinux
import Glibc

/// The loop side of a `TCPListener`: accepts ready sockets and hands each to the next loop of the group.
///
/// Created on any thread but, once `start()` was submitted, touched only on its loop's thread
/// (hence `@unchecked Sendable`: `TCPListener` reaches it only through `EventLoop.execute`).
final class ListenerChannel: @unchecked Sendable {
    /// Accepts per readable event before yielding to other work on the loop.
    static let maxAcceptsPerEvent = 16
    /// How long accepting pauses after running out of descriptors or memory, so a level-triggered listener does
    /// not spin while the condition lasts.
    static let resourceBackoff = Duration.milliseconds(100)

    let fd: Int32
    let localAddress: SocketAddress
    let eventLoop: EventLoop
    private let group: EventLoopGroup
    private let tls: TLSContext?
    private let proxyTrust: ProxyTrust?
    private let makeHandler: @Sendable (TCPConnection) -> ConnectionHandler?
    private let onError: @Sendable (TransportError) -> Void
    private var registrationID: UInt32 = 0
    private var isClosed = false
    private var backoffTimer: TimerID?

    init(
        fd: Int32, localAddress: SocketAddress, eventLoop: EventLoop, group: EventLoopGroup, tls: TLSContext?,
        proxyTrust: ProxyTrust?, makeHandler: @escaping @Sendable (TCPConnection) -> ConnectionHandler?,
        onError: @escaping @Sendable (TransportError) -> Void
    ) {
        self.fd = fd
        self.localAddress = localAddress
        self.eventLoop = eventLoop
        self.group = group
        self.tls = tls
        self.proxyTrust = proxyTrust
        self.makeHandler = makeHandler
        self.onError = onError
    }

    /// Registers with the loop (loop thread).
    func start() {
        guard !isClosed else { return }
        do {
            registrationID = try eventLoop.register(.listener(self), fd: fd, interest: gw_epollin)
        } catch {
            onError(error)
            isClosed = true
            _ = Glibc.close(fd)
        }
    }

    /// Stops accepting and closes the listening socket (loop thread). Accepted connections are not affected.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        if let backoffTimer { eventLoop.cancelTimer(backoffTimer) }
        if registrationID != 0 { eventLoop.deregister(fd: fd) }
        _ = Glibc.close(fd)
    }

    func acceptReady() {
        guard !isClosed else { return }
        for _ in 0..<Self.maxAcceptsPerEvent {
            let result: IOResult
            do {
                result = try SystemCall.nonBlocking("accept on \(localAddress)") { Int(gw_accept(fd)) }
            } catch {
                onError(error)
                switch error.errno {
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    pauseAccepting()
                    return
                default:
                    continue
                }
            }
            guard case .processed(let accepted) = result else { return }
            handOff(Int32(accepted))
        }
    }

    /// Configures an accepted socket and creates its connection on the next loop, on that loop's thread. A trusted
    /// proxy's connection first gets a `ProxyHeaderReader`, which makes the handler once the header is read.
    private func handOff(_ socket: Int32) {
        _ = gw_set_nodelay(socket)
        guard let local = SocketAddress(socket: socket, peer: false),
            let remote = SocketAddress(socket: socket, peer: true)
        else {
            _ = Glibc.close(socket)
            return
        }
        let target = group.next()
        let makeHandler = makeHandler
        let onError = onError
        let tls = tls
        let headerTimeout = proxyTrust.flatMap { $0.trusts(remote) ? $0.headerTimeout : nil }
        target.execute {
            var session: TLSSession?
            if let tls {
                do throws(TLSError) {
                    session = try tls.makeSession()
                } catch {
                    onError(TransportError(operation: "TLS session for \(remote)", reason: error.message))
                    _ = Glibc.close(socket)
                    return
                }
            }
            let connection: TCPConnection
            if let headerTimeout {
                session?.onError = onError
                connection = TCPConnection(fd: socket, eventLoop: target, localAddress: local, remoteAddress: remote)
                connection.handler = ProxyHeaderReader(
                    timeout: headerTimeout, tls: session, makeHandler: makeHandler, onError: onError)
            } else {
                connection = TCPConnection(
                    fd: socket, eventLoop: target, localAddress: local, remoteAddress: remote, tls: session,
                    onError: session == nil ? nil : onError)
                guard let handler = makeHandler(connection) else {
                    connection.discard()
                    return
                }
                connection.handler = handler
            }
            do throws(TransportError) {
                try connection.activate()
            } catch {
                onError(error)
                // The handler may have registered the connection (server registries): it hears of the close too.
                let handler = connection.handler
                connection.handler = nil
                connection.discard()
                handler?.connectionClosed(connection)
            }
        }
    }

    private func pauseAccepting() {
        guard backoffTimer == nil else { return }
        do {
            try eventLoop.modify(fd: fd, id: registrationID, interest: 0)
        } catch {
            onError(error)
            return
        }
        backoffTimer = eventLoop.scheduleTimer(after: Self.resourceBackoff) { [self] in
            backoffTimer = nil
            guard !isClosed else { return }
            do throws(TransportError) {
                try eventLoop.modify(fd: fd, id: registrationID, interest: gw_epollin)
            } catch {
                onError(error)
            }
        }
    }
}
