/// Bytes that cannot be a PROXY protocol v2 header: the connection is closed.
public struct ProxyProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
