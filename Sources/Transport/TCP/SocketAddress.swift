import CLinux
import Glibc

/// An IPv4 or IPv6 endpoint: numeric host and port.
///
/// Built once per connection (at accept), so it may hold a `String`; it is never built from message bytes.
public struct SocketAddress: Sendable, CustomStringConvertible, Hashable {
    /// Numeric host, e.g. `127.0.0.1` or `::1`.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// True only for exactly `127.0.0.1`, `::1` and the IPv4-mapped `::ffff:127.0.0.1` (in any IPv6 spelling).
    ///
    /// Other 127.0.0.0/8 addresses deliberately do not count: the default user is restricted to these three
    /// addresses, matching RabbitMQ's `loopback_users` check.
    public var isLoopback: Bool {
        var bytes = (UInt64(0), UInt64(0))
        let length = withUnsafeMutableBytes(of: &bytes) { raw in
            host.withCString { gw_parse_numeric($0, raw.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        }
        return withUnsafeBytes(of: &bytes) { raw -> Bool in
            switch length {
            case 4:
                return raw.prefix(4).elementsEqual([127, 0, 0, 1])
            case 16:
                let loopback6: [UInt8] = Array(repeating: 0, count: 15) + [1]
                let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1]
                return raw.elementsEqual(loopback6) || raw.elementsEqual(mapped)
            default:
                return false
            }
        }
    }

    /// `host:port`, with IPv6 hosts in brackets (`[::1]:5672`).
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `host:port` with `host` resolved to a numeric address (a literal is taken as is, a name through
    /// `getaddrinfo`, first result). Blocks while a name is looked up: call it off the event loops.
    public static func resolve(host: String, port: Int) throws(TransportError) -> SocketAddress {
        guard (0...65535).contains(port) else {
            throw TransportError(operation: "resolve \(host)", reason: "port out of range 0...65535", errno: EINVAL)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(0)
        let rc = gw_resolve(host, Int32(port), &storage, &length)
        guard rc == 0 else {
            throw TransportError(operation: "resolve \(host)", reason: String(cString: gai_strerror(rc)))
        }
        guard let address = SocketAddress(storage) else {
            throw TransportError(operation: "resolve \(host)", reason: "neither an IPv4 nor an IPv6 address")
        }
        return address
    }

    /// The local (`peer == false`) or remote address of a socket, or nil when the socket has none (e.g. already reset).
    init?(socket fd: Int32, peer: Bool) {
        var storage = sockaddr_storage()
        guard gw_socket_address(fd, peer ? 1 : 0, &storage) == 0 else { return nil }
        self.init(storage)
    }

    init?(_ storage: sockaddr_storage) {
        var storage = storage
        var port: Int32 = 0
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let rc = text.withUnsafeMutableBufferPointer { buffer in
            gw_format_address(&storage, buffer.baseAddress, buffer.count, &port)
        }
        guard rc == 0 else { return nil }
        self.init(host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: Int(port))
    }
}
