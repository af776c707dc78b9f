import Glibc

/// A failed system call in the network runtime: which operation (with its address when there is one) and why.
///
/// `description` reads like `bind 127.0.0.1:5672: Address already in use`, so it can be logged or shown as is.
/// `EAGAIN` is never reported as an error: the runtime treats "would block" as a normal result.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// The `errno` of the failed call (0 when the failure did not come from errno, e.g. name resolution).
    public let errno: Int32
    /// What was attempted, e.g. `bind 127.0.0.1:5672` or `epoll_create`.
    public let operation: String
    /// The system's explanation (`strerror`, or the resolver's message).
    public let reason: String

    /// An error for `operation` that failed with `errno`.
    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
        self.reason = String(cString: strerror(errno))
    }

    /// An error whose reason does not come from errno (name resolution, invalid arguments).
    public init(operation: String, reason: String, errno: Int32 = 0) {
        self.errno = errno
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation): \(reason)" }
}
