import Bytes
import CLinux
import Glibc

/// A non-blocking TCP socket owned by one event loop for its whole life: accepted by a `TCPListener` or connected by
/// a `TCPConnector`.
///
/// Inbound bytes are read into the loop's scratch buffer and appended to one inbound `ByteBuffer` that the handler
/// decodes in place. Outbound frames are encoded straight into one outbound `ByteBuffer`; every connection written
/// to during a loop turn is flushed once at the end of the turn, and what the kernel does not take stays queued with
/// `EPOLLOUT` registered until it drains (level-triggered, as in SwiftNIO). Every method is for the loop thread only.
///
/// A connection accepted by a TLS listener carries a `TLSSession`: ciphertext from the socket is decrypted into the
/// inbound buffer (the handler only ever sees plaintext, and is not called while the handshake runs), and the
/// plaintext outbound buffer is encrypted at flush time into a second buffer that goes to the socket, so the
/// once-per-turn batching is unchanged.
///
/// Addresses are those of the TCP socket, except `remoteAddress` on a listener with `ProxyTrust`: a connection from
/// a trusted proxy starts with a PROXY protocol v2 header, read below TLS before the handler exists, and the client
/// it names becomes the remote address.
public final class TCPConnection {
    private enum State {
        /// Reading and writing.
        case open
        /// `close()` was called: flushing what is queued, then closing.
        case closing
        case closed
    }

    /// Reads per readable event before yielding to other connections.
    static let maxReadsPerEvent = 4
    /// `send` calls per flush before yielding to other connections (the rest waits for `EPOLLOUT`).
    static let maxWritesPerFlush = 4
    /// A buffer that grew past this is released instead of kept once it is empty.
    static let retainedBufferLimit = 256 * 1024
    /// How long `close()` waits for a peer that does not read its remaining output before aborting.
    static let closeLinger = Duration.seconds(10)
    /// Ciphertext waiting for the socket above which no more plaintext is encrypted until it drains.
    static let sealedBufferLimit = 256 * 1024

    // Stored properties are ordered by size so the object packs without padding (one per connection).
    public let eventLoop: EventLoop
    /// The peer: the TCP socket's, or the client named by a trusted proxy's PROXY header (set before the handler is
    /// made, so a handler only ever sees the final value).
    public internal(set) var remoteAddress: SocketAddress
    public let localAddress: SocketAddress
    /// The protocol logic; held strongly, and set to nil after `connectionClosed` to break cycles.
    public var handler: ConnectionHandler?
    private var inbound = ByteBuffer()
    private var outbound = ByteBuffer()
    /// The TLS session, with its ciphertext buffer (`TLSSession.sealed`); nil for plain TCP. Set at accept, or behind
    /// a PROXY header once the header was read (`proxyHeaderConsumed`).
    private var tls: TLSSession?

    /// True when the connection runs over TLS (fixed before the handler is made).
    public var isTLS: Bool { tls != nil }

    /// The TLS protocol version and cipher suite negotiated, once the handshake is complete (on the loop only).
    public var tlsNegotiated: (protocolVersion: String, cipher: String)? {
        assert(eventLoop.inEventLoop, "TCPConnection used off its event loop")
        return tls?.negotiated
    }

    /// When the socket was accepted or connected, Unix milliseconds (fixed: readable from any thread).
    public let acceptedAt: Int64

    /// Pending output above which `isWritable` turns false.
    public static let highWatermark = 1024 * 1024
    /// Pending output at or below which `isWritable` turns true again.
    public static let lowWatermark = 256 * 1024

    /// Bytes read from the socket (ciphertext over TLS), for the management plane's statistics; loop only.
    public private(set) var bytesReceived: UInt64 = 0
    /// Bytes the kernel took for sending (ciphertext over TLS); loop only.
    public private(set) var bytesSent: UInt64 = 0

    let fd: Int32
    private var registrationID: UInt32 = 0
    private var registeredInterest: UInt32 = 0
    private var state = State.open
    private var readingPaused = false
    private var isDirty = false
    private var notifiedWritable = true

    /// False while pending output is above the high watermark until it drains to the low watermark.
    /// Updated by `write` at once, so a producer can stop in the middle of a turn.
    public private(set) var isWritable = true

    init(
        fd: Int32, eventLoop: EventLoop, localAddress: SocketAddress, remoteAddress: SocketAddress,
        tls: TLSSession? = nil, onError: (@Sendable (TransportError) -> Void)? = nil
    ) {
        self.fd = fd
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        acceptedAt = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
        self.eventLoop = eventLoop
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.tls = tls
        tls?.onError = onError
    }

    /// True until `close()` or `abort()` is called or the peer goes away.
    public var isOpen: Bool {
        assert(eventLoop.inEventLoop, "TCPConnection used off its event loop")
        return state == .open
    }

    /// Bytes queued for the socket and not yet taken by the kernel (with TLS: plaintext not yet encrypted plus
    /// ciphertext not yet sent).
    public var pendingWriteBytes: Int {
        assert(eventLoop.inEventLoop, "TCPConnection used off its event loop")
        return outbound.readableBytes + (tls?.sealed.readableBytes ?? 0)
    }

    // MARK: - Public API

    /// Appends to the outbound buffer through `body` (encode frames directly into it) and schedules the end-of-turn
    /// flush. Ignored (`body` is not called) once the connection is closing or closed. `body` must not call `write`.
    /// `last`: output nobody waits on as closely as on others' (a publisher's acknowledgement): in this turn's flush
    /// the connection goes after the connections written to without it (deliveries), unless it was one of them.
    public func write(last: Bool = false, _ body: (inout ByteBuffer) -> Void) {
        assert(eventLoop.inEventLoop, "TCPConnection used off its event loop")
        guard state == .open else { return }
        body(&outbound)
        if isWritable && pendingWriteBytes > Self.highWatermark { isWritable = false }
        markDirty(last: last)
    }

    /// Flushes pending output, then shuts the socket down and closes it; `connectionClosed` follows once.
    /// Reading stops at once and further writes are ignored. A peer that does not take the remaining output within
    /// ten seconds is aborted.
    public func close() {
        assert(eventLoop.inEventLoop, "TCPConnection used off its event loop")
        guard state == .open else { return }
        state = .closing
        // Only output still waiting for the peer can hold the close up. The timer is not kept (one field less on
        // every connection): when it fires after the close completed, `abort` finds the connection closed.
        if pendingWriteBytes > 0 || tls != nil {
            eventLoop.scheduleTimer(after: Self.closeLinger) { [weak self] in self?.abort() }
        }
        markDirty()
    }

    /// Closes at once, dropping pending output; `connectionClosed` follows once (unless already closed).
    public func abort() {
        assert(eventLoop.inEventLoop, "TCPConnection used off its event loop")
        closeNow()
    }

    /// Stops (`true`) or resumes reading from the socket: the backpressure that holds back a publisher.
    ///
    /// While paused `EPOLLIN` is not registered, so the kernel's receive window fills and the peer stops sending.
    /// On resume, bytes already buffered are offered to the handler again later in the turn even if no more arrive.
    /// A peer that half-closes while reading is paused is noticed when reading resumes or a write fails.
    public func setReadingPaused(_ paused: Bool) {
        assert(eventLoop.inEventLoop, "TCPConnection used off its event loop")
        guard paused != readingPaused else { return }
        readingPaused = paused
        guard state == .open else { return }
        updateInterest()
        if !paused && inbound.readableBytes > 0 {
            eventLoop.enqueue { [self] in
                if state == .open && !readingPaused { deliverInbound() }
            }
        }
    }

    // MARK: - Loop side

    /// Registers with the loop's selector (reading) and tells the handler.
    func activate() throws(TransportError) {
        let interest = desiredInterest
        registrationID = try eventLoop.register(.connection(self), fd: fd, interest: interest)
        registeredInterest = interest
        if let tls { startHandshakeDeadline(tls) }
        handler?.connectionActive(self)
    }

    /// Ends the PROXY header phase of a connection from a trusted proxy (a `ProxyHeaderReader` was its handler, and
    /// `rest` is the reader's `connectionRead` buffer): `handler` takes over and gets `connectionActive`. On a TLS
    /// listener the session held back until now starts: what followed the header in `rest` is its first ciphertext,
    /// decrypted later in this turn (the inbound buffer is the handler's until `connectionRead` returns). Plain
    /// bytes in `rest` are offered to `handler` at once, unless it closed or paused reading in `connectionActive`.
    func proxyHeaderConsumed(handler: ConnectionHandler, tls session: TLSSession?, rest: inout ByteBuffer) {
        self.handler = handler
        guard let session else {
            handler.connectionActive(self)
            if state == .open && !readingPaused && rest.readableBytes > 0 { handler.connectionRead(self, &rest) }
            return
        }
        tls = session
        startHandshakeDeadline(session)
        let ciphertext = rest.readableBytes
        rest.withReadableBytes { session.receive($0) }
        rest.moveReaderIndex(forwardBy: ciphertext)
        handler.connectionActive(self)
        guard ciphertext > 0 else { return }
        eventLoop.enqueue { [self] in
            guard state == .open else { return }
            var peerClosed = false
            guard unseal(session, scratch: eventLoop.readScratch, peerClosed: &peerClosed) else { return }
            if peerClosed { closeNow() }
        }
    }

    /// Closes the connection when its TLS handshake is not complete within the session's handshake timeout.
    private func startHandshakeDeadline(_ tls: TLSSession) {
        tls.handshakeTimer = eventLoop.scheduleTimer(after: tls.handshakeTimeout) { [weak self] in
            guard let self else { return }
            tls.handshakeTimer = nil
            guard state != .closed else { return }
            tls.onError?(
                TransportError(
                    operation: "TLS handshake with \(remoteAddress)",
                    reason: "not completed within \(tls.handshakeTimeout)"))
            abort()
        }
    }

    /// Closes a socket that was never activated (the handler factory declined it).
    func discard() {
        state = .closed
        _ = Glibc.close(fd)
    }

    func handle(events: UInt32) {
        if events & gw_epollout != 0 && state != .closed {
            flush()
        }
        guard state != .closed else { return }
        let hangup = events & (gw_epollhup | gw_epollerr) != 0
        if state == .open && !readingPaused && events & (gw_epollin | gw_epollrdhup | gw_epollhup | gw_epollerr) != 0 {
            readAvailable()
        } else if hangup {
            closeNow()
        }
    }

    func flushAtEndOfTurn() {
        isDirty = false
        guard state != .closed else { return }
        flush()
    }

    // MARK: - Reading

    /// Reads up to `maxReadsPerEvent` times, hands everything to the handler once, and closes on end of stream or error.
    private func readAvailable() {
        let scratch = eventLoop.readScratch
        var received = 0
        var peerClosed = false
        reads: for _ in 0..<Self.maxReadsPerEvent {
            let result: IOResult
            do {
                result = try SystemCall.nonBlocking("read") { Glibc.read(fd, scratch.baseAddress, scratch.count) }
            } catch {
                peerClosed = true
                break reads
            }
            switch result {
            case .wouldBlock:
                break reads
            case .processed(0):
                peerClosed = true
                break reads
            case .processed(let count):
                if let tls {
                    tls.receive(UnsafeRawBufferPointer(rebasing: scratch[..<count]))
                } else {
                    inbound.writeBytes(UnsafeRawBufferPointer(rebasing: scratch[..<count]))
                }
                received += count
                bytesReceived &+= UInt64(count)
                if count < scratch.count { break reads }
            }
        }
        if received > 0 {
            if let tls {
                guard unseal(tls, scratch: scratch, peerClosed: &peerClosed) else { return }
            } else {
                deliverInbound()
            }
        }
        if peerClosed { closeNow() }
    }

    /// Decrypts what arrived, schedules a flush for whatever OpenSSL wants to send, and hands plaintext to the
    /// handler. Returns false when the session failed (the connection is then closing).
    private func unseal(_ tls: TLSSession, scratch: UnsafeMutableRawBufferPointer, peerClosed: inout Bool) -> Bool {
        let wasComplete = tls.isHandshakeComplete
        let plaintext: Int
        switch tls.unseal(into: &inbound, scratch: scratch) {
        case .open(let count):
            plaintext = count
        case .closedByPeer(let count):
            plaintext = count
            peerClosed = true
        case .failed(let reason):
            failTLS(reason, duringHandshake: !wasComplete)
            return false
        }
        if !wasComplete && tls.isHandshakeComplete {
            if let handshakeTimer = tls.handshakeTimer {
                eventLoop.cancelTimer(handshakeTimer)
                tls.handshakeTimer = nil
            }
            if outbound.readableBytes > 0 { markDirty() }
        }
        if tls.hasOutput { markDirty() }
        if plaintext > 0 { deliverInbound() }
        return true
    }

    /// Reports a fatal TLS error once and closes, still sending the alert OpenSSL queued for the peer.
    private func failTLS(_ reason: String, duringHandshake: Bool) {
        tls?.onError?(
            TransportError(operation: "\(duringHandshake ? "TLS handshake" : "TLS") with \(remoteAddress)", reason: reason))
        if state == .open { close() } else { markDirty() }
    }

    /// Calls the handler with the inbound buffer, then compacts it (reset when consumed, or move the unread tail to
    /// the front once the reader index passed half of it).
    private func deliverInbound() {
        guard let handler else { return }
        var buffer = ByteBuffer()
        swap(&buffer, &inbound)
        handler.connectionRead(self, &buffer)
        guard state != .closed else { return }
        if buffer.readableBytes == 0 {
            if buffer.writerIndex > Self.retainedBufferLimit { buffer = ByteBuffer() } else { buffer.clear() }
        } else if buffer.readerIndex > buffer.writerIndex / 2 {
            buffer.discardReadBytes()
        }
        swap(&buffer, &inbound)
    }

    // MARK: - Writing

    private func markDirty(last: Bool = false) {
        guard !isDirty else { return }
        isDirty = true
        eventLoop.markDirty(self, last: last)
    }

    private enum SendOutcome {
        case drained
        /// The kernel would block or the per-flush send budget ran out; the rest waits for `EPOLLOUT`.
        case blocked
        /// The socket failed; the caller closes once it no longer holds a buffer `inout`.
        case failed
    }

    /// Writes what the kernel takes, keeps the rest, updates `EPOLLOUT` interest and writability, and completes a
    /// pending `close()` once everything is out.
    private func flush() {
        var budget = Self.maxWritesPerFlush
        let outcome = if let tls { flushTLS(tls, budget: &budget) } else { send(&outbound, budget: &budget) }
        guard outcome != .failed else {
            closeNow()
            return
        }
        Self.compact(&outbound)
        if let tls { Self.compact(&tls.sealed) }
        if state == .closing && pendingWriteBytes == 0 {
            finishClose()
            return
        }
        updateInterest()
        updateWritability()
    }

    /// Encrypts plaintext in slices of at most `sealedBufferLimit` and sends them, until the send budget is spent,
    /// the kernel would block, or everything is out. When closing, close_notify follows the last record; plaintext
    /// that can never be encrypted (handshake failed or not completed when closing) is dropped.
    private func flushTLS(_ tls: TLSSession, budget: inout Int) -> SendOutcome {
        if tls.hasFailed || (state == .closing && !tls.isHandshakeComplete) { outbound.clear() }
        while true {
            if let reason = tls.seal(&outbound, limit: Self.sealedBufferLimit, finish: state == .closing) {
                tls.onError?(TransportError(operation: "TLS with \(remoteAddress)", reason: reason))
                return .failed
            }
            guard tls.sealed.readableBytes > 0, budget > 0 else { return .blocked }
            let outcome = send(&tls.sealed, budget: &budget)
            guard outcome == .drained, outbound.readableBytes > 0 else { return outcome }
        }
    }

    /// Sends from `buffer` while the kernel takes it and `budget` sends remain.
    private func send(_ buffer: inout ByteBuffer, budget: inout Int) -> SendOutcome {
        while buffer.readableBytes > 0 {
            guard budget > 0 else { return .blocked }
            budget -= 1
            let result: IOResult
            do {
                result = try SystemCall.nonBlocking("send") {
                    buffer.withReadableBytes { gw_send(fd, $0.baseAddress, $0.count) }
                }
            } catch {
                return .failed
            }
            guard case .processed(let count) = result else { return .blocked }
            buffer.moveReaderIndex(forwardBy: count)
            bytesSent &+= UInt64(count)
        }
        return .drained
    }

    /// Releases a buffer that grew large once it is empty, or moves a tail that passed half of it to the front.
    private static func compact(_ buffer: inout ByteBuffer) {
        if buffer.readableBytes == 0 {
            if buffer.writerIndex > retainedBufferLimit { buffer = ByteBuffer() } else { buffer.clear() }
        } else if buffer.readerIndex > buffer.writerIndex / 2 {
            buffer.discardReadBytes()
        }
    }

    private func updateWritability() {
        if !isWritable && pendingWriteBytes <= Self.lowWatermark {
            isWritable = true
        } else if isWritable && pendingWriteBytes > Self.highWatermark {
            isWritable = false
        }
        guard isWritable != notifiedWritable else { return }
        notifiedWritable = isWritable
        handler?.connectionWritabilityChanged(self)
    }

    // MARK: - Interest and closing

    private var desiredInterest: UInt32 {
        var interest: UInt32 = 0
        if state == .open && !readingPaused { interest |= gw_epollin | gw_epollrdhup }
        if (tls?.sealed.readableBytes ?? outbound.readableBytes) > 0 { interest |= gw_epollout }
        return interest
    }

    private func updateInterest() {
        let interest = desiredInterest
        guard interest != registeredInterest, state != .closed else { return }
        do {
            try eventLoop.modify(fd: fd, id: registrationID, interest: interest)
            registeredInterest = interest
        } catch {
            closeNow()
        }
    }

    /// Graceful end of `close()`: send FIN, discard unread input (closing with unread input would send RST and could
    /// destroy the output the peer has not read yet), then close.
    private func finishClose() {
        _ = gw_shutdown_write(fd)
        let scratch = eventLoop.readScratch
        var reads = 0
        while reads < Self.maxReadsPerEvent && Glibc.read(fd, scratch.baseAddress, scratch.count) > 0 { reads += 1 }
        closeNow()
    }

    /// Deregisters and closes the socket, drops both buffers and queues the single `connectionClosed`.
    private func closeNow() {
        guard state != .closed else { return }
        state = .closed
        if let tls, let handshakeTimer = tls.handshakeTimer {
            eventLoop.cancelTimer(handshakeTimer)
            tls.handshakeTimer = nil
        }
        eventLoop.deregister(fd: fd)
        _ = Glibc.close(fd)
        inbound = ByteBuffer()
        outbound = ByteBuffer()
        tls?.sealed = ByteBuffer()
        eventLoop.enqueue { [self] in
            handler?.connectionClosed(self)
            handler = nil
        }
    }
}
