import AMQPModel
import AMQPValues
import AMQPWire

/// A protocol error the AMQP frontend answers with channel.close or connection.close.
///
/// Every failure on the AMQP path becomes one of these in one place (`init(_:BrokerError)`,
/// `init(_:AMQPWireError)`), so reply codes are decided once.
struct AMQPError: Error {
    /// The AMQP reply code (AMQP 0-9-1 §1.2 constants).
    let replyCode: UInt16
    /// Human-readable text after the code name.
    let text: String
    /// True for connection exceptions (close the connection), false for channel exceptions.
    let connectionLevel: Bool
    /// The class and method that failed, when known.
    var classId: UInt16 = 0
    var methodId: UInt16 = 0

    /// The reply text as RabbitMQ formats it: "NOT_FOUND - no queue 'q' in vhost '/'".
    var replyText: ByteString {
        var s = "\(ReplyCodeName.name(replyCode)) - \(text)"
        if s.utf8.count > 255 { s = String(decoding: s.utf8.prefix(255), as: UTF8.self) }
        return ByteString(s)
    }

    static func channel(_ code: UInt16, _ text: String) -> AMQPError {
        AMQPError(replyCode: code, text: text, connectionLevel: false)
    }

    static func connection(_ code: UInt16, _ text: String) -> AMQPError {
        AMQPError(replyCode: code, text: text, connectionLevel: true)
    }

    /// The reply for a refusal from the core.
    init(_ e: BrokerError) {
        switch e.kind {
        case .notFound: self = .channel(ReplyCode.notFound, e.message)
        case .accessRefused: self = .channel(ReplyCode.accessRefused, e.message)
        case .resourceLocked: self = .channel(ReplyCode.resourceLocked, e.message)
        case .preconditionFailed: self = .channel(ReplyCode.preconditionFailed, e.message)
        case .notAllowed: self = .connection(ReplyCode.notAllowed, e.message)
        case .resourceError: self = .channel(ReplyCode.resourceError, e.message)
        case .commandInvalid: self = .connection(ReplyCode.commandInvalid, e.message)
        }
    }

    /// The reply for a malformed frame or method: always a connection exception.
    init(_ e: AMQPWireError) {
        self = .connection(e.replyCode, e.message)
    }

    private init(replyCode: UInt16, text: String, connectionLevel: Bool) {
        self.replyCode = replyCode
        self.text = text
        self.connectionLevel = connectionLevel
    }

    /// The same error, recording the method that caused it.
    func during(classId: UInt16, methodId: UInt16) -> AMQPError {
        var e = self
        e.classId = classId
        e.methodId = methodId
        return e
    }
}
