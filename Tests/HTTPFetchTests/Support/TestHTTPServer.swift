import COpenSSL
import Foundation
import Synchronization
import TLSTestSupport

/// An HTTP server for tests on a loopback port: one thread accepts connections one after another, reads each
/// request head, and answers with whatever `respond` returns for it, over plain TCP or, given an identity, TLS.
final class TestHTTPServer: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A request head as received.
    struct Request: Sendable {
        let head: String

        /// The request target of the request line, e.g. `/jwks?x=1`.
        var target: String {
            let requestLine = head.prefix { $0 != "\r\n" }.split(separator: " ")
            return requestLine.count == 3 ? String(requestLine[1]) : ""
        }
    }

    /// What the server does with a request.
    enum Reply: Sendable {
        /// Writes these bytes, then closes the connection (TLS: after close_notify, unless `closeNotify` is false).
        case send([UInt8], closeNotify: Bool = true)
        /// Never answers; keeps the connection until the client closes it or the server stops.
        case hang

        /// Sends `text` (a whole response, head and body) as UTF-8.
        static func text(_ text: String, closeNotify: Bool = true) -> Reply {
            .send(Array(text.utf8), closeNotify: closeNotify)
        }

        /// A 200 response with a Content-Length body.
        static func ok(_ body: String) -> Reply {
            .text(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
        }
    }

    let port: Int
    private let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let context: TLSServerContext?
    private let respond: @Sendable (Request) -> Reply
    private let received = Mutex<[Request]>([])
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening on 127.0.0.1 and serving; TLS with `identity`'s certificate and key when given.
    init(tls identity: TestPKI.Identity? = nil, respond: @escaping @Sendable (Request) -> Reply) throws {
        // An OpenSSL server writes with write(2): a client that hung up must not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        context = try identity.map(TLSServerContext.init)
        self.respond = respond
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw Failure(description: "bind/listen: errno \(errno)")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        var wake: [Int32] = [0, 0]
        guard pipe(&wake) == 0 else {
            close(listener)
            throw Failure(description: "pipe: errno \(errno)")
        }
        wakeRead = wake[0]
        wakeWrite = wake[1]
        Thread { [self] in serve() }.start()
    }

    /// Wakes the serving thread, waits for it to finish and closes the listening socket.
    func stop() {
        _ = write(wakeWrite, "x", 1)
        finished.wait()
        close(listener)
        close(wakeRead)
        close(wakeWrite)
    }

    /// The requests received so far, oldest first.
    var requests: [Request] {
        received.withLock { $0 }
    }

    private func serve() {
        defer { finished.signal() }
        while waitReadable(listener) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            var limit = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            if let context {
                if let session = context.accept(connection) {
                    answer(connection, session)
                    SSL_free(session)
                }
            } else {
                answer(connection, nil)
            }
            close(connection)
        }
    }

    /// Reads one request head and carries out the reply to it.
    private func answer(_ connection: Int32, _ session: OpaquePointer?) {
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !head.suffix(4).elementsEqual("\r\n\r\n".utf8) {
            // Decrypted bytes OpenSSL already holds do not show up in poll.
            if session.map({ SSL_pending($0) == 0 }) ?? true {
                guard waitReadable(connection) else { return }
            }
            let count = chunk.withUnsafeMutableBytes { buffer in
                session.map { Int(SSL_read($0, buffer.baseAddress, Int32(buffer.count))) }
                    ?? read(connection, buffer.baseAddress, buffer.count)
            }
            guard count > 0 else { return }
            head += chunk[..<count]
        }
        let request = Request(head: String(decoding: head, as: UTF8.self))
        received.withLock { $0.append(request) }
        switch respond(request) {
        case .send(let bytes, let closeNotify):
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let count =
                        session.map { Int(SSL_write($0, buffer.baseAddress! + offset, Int32(buffer.count - offset))) }
                        ?? write(connection, buffer.baseAddress! + offset, buffer.count - offset)
                    guard count > 0 else { return }
                    offset += count
                }
            }
            if let session, closeNotify { SSL_shutdown(session) }
        case .hang:
            while waitReadable(connection), recv(connection, &chunk, chunk.count, 0) > 0 {}
        }
    }

    /// Waits until `fd` is readable (or closed); false when the server is being stopped.
    private func waitReadable(_ fd: Int32) -> Bool {
        var entries = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while poll(&entries, 2, -1) < 0 && errno == EINTR {}
        return entries[1].revents == 0
    }
}
