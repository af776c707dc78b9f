/// One HTTP connection to the origin of a `FetchURL`: a TCP socket, with TLS on top for `https://`.
final class HTTPConnection {
    /// What one read produced.
    enum Received {
        /// This many bytes are now at the start of the buffer.
        case bytes(Int)
        /// The server closed the connection; `clean` is false for TLS without close_notify, where a cut-off
        /// stream cannot be told from a complete one.
        case end(clean: Bool)
    }

    private let socket: Socket
    private let tls: TLSClient?
    private let deadline: Deadline

    /// Resolves, connects and, for `https://`, completes the TLS handshake, all before `deadline`.
    init(to url: FetchURL, caFile: String?, deadline: Deadline) throws(HTTPFetchError) {
        socket = try Socket.connect(
            host: url.host, port: url.port, numericHost: url.hostKind != .name, deadline: deadline)
        tls = url.isSecure ? try TLSClient.handshake(over: socket, for: url, caFile: caFile, deadline: deadline) : nil
        self.deadline = deadline
    }

    deinit {
        tls?.shutdown()
    }

    func send(_ bytes: [UInt8]) throws(HTTPFetchError) {
        if let tls {
            try tls.write(bytes, until: deadline)
        } else {
            try socket.write(bytes, until: deadline)
        }
    }

    func receive(into buffer: inout [UInt8]) throws(HTTPFetchError) -> Received {
        if let tls { return try tls.read(into: &buffer, until: deadline) }
        let count = try socket.read(into: &buffer, until: deadline)
        return count > 0 ? .bytes(count) : .end(clean: true)
    }
}
