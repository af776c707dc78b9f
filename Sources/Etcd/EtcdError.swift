/// A failed etcd call: no endpoint answered, or one answered with an error, or with something that is not etcd's
/// JSON. The message names the endpoint and the call.
public struct EtcdError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No endpoint could be reached within the deadline.
        case unreachable
        /// An endpoint answered with a non-200 status (etcd's error message is in the text).
        case refused
        /// The answer was not the JSON the call expects.
        case malformed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
