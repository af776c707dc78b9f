/// A failure while running a benchmark: the broker could not be reached, refused us, closed a channel or
/// connection, or broke the protocol. Reported as one line on stderr with exit code 1.
enum PerfError: Error, CustomStringConvertible {
    /// The TCP connection could not be established.
    case connect(address: String, reason: String)
    /// A socket or thread operation failed after connecting.
    case io(String)
    /// The broker closed the TCP connection without a connection.close.
    case disconnected(during: String)
    /// The broker sent connection.close (`channel` 0) or channel.close.
    case closedByBroker(channel: UInt16, replyCode: UInt16, replyText: String, classId: UInt16, methodId: UInt16)
    /// The broker did not answer in time.
    case timeout(String)
    /// The broker sent something this client cannot work with.
    case protocolViolation(String)
    /// TLS could not be set up (certificate files, handshake, verification) or a TLS record was bad.
    case tls(String)

    var description: String {
        switch self {
        case .connect(let address, let reason):
            return "cannot connect to \(address): \(reason)"
        case .io(let message):
            return message
        case .disconnected(let during):
            return "the broker closed the connection \(during)"
        case .closedByBroker(let channel, let code, let text, let classId, let methodId):
            let scope = channel == 0 ? "connection" : "channel \(channel)"
            let cause = classId == 0 ? "" : " (in reply to method \(classId).\(methodId))"
            let hint = code == 403 && channel == 0 ? " (check the user, password and vhost in --uri)" : ""
            return "broker closed the \(scope): \(code) \(text)\(cause)\(hint)"
        case .timeout(let message):
            return "timed out \(message)"
        case .protocolViolation(let message):
            return "protocol error: \(message)"
        case .tls(let message):
            return "TLS: \(message)"
        }
    }
}
