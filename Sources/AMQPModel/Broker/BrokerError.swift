/// An error raised by the core when an operation on vhosts, exchanges or queues is refused.
///
/// Each frontend maps `kind` to its own protocol reply in one place (AMQP reply codes, MQTT reason codes, HTTP status).
public struct BrokerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, independent of protocol.
    public enum Kind: Sendable, Equatable {
        /// The named object does not exist (AMQP 404).
        case notFound
        /// The user may not do this (AMQP 403).
        case accessRefused
        /// An exclusive object belongs to another connection (AMQP 405).
        case resourceLocked
        /// The request conflicts with the object's state or arguments (AMQP 406).
        case preconditionFailed
        /// The vhost is not open to this user (AMQP 530).
        case notAllowed
        /// A server resource is exhausted (AMQP 506).
        case resourceError
        /// The request is malformed in a way that ends the connection (AMQP 503).
        case commandInvalid
    }

    /// The category of the failure.
    public let kind: Kind
    /// A message naming the object and the problem, e.g. "no queue 'orders' in vhost '/'".
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
