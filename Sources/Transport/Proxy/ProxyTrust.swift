import CLinux
import Glibc

/// Which TCP peers of a listener are proxies (Gateway followers forwarding client connections to the leader) whose
/// PROXY protocol v2 header is believed: see `TCPListener.bind(…, proxyProtocol:)`.
///
/// A connection from a trusted peer may open with the header; the client address it carries replaces the
/// connection's `remoteAddress`. One that does not (its first bytes differ from the header's signature) is a client of
/// that host itself and is served as usual. Every other peer is served without any header parsing, so a client
/// cannot claim another address by sending a header itself.
public struct ProxyTrust: Sendable {
    /// How long a trusted peer has to send its whole header before the connection is closed.
    public var headerTimeout: Duration
    private let isTrusted: @Sendable (SocketAddress) -> Bool

    /// Trusts the peers whose address is one of `hosts`, numeric IPv4 or IPv6 addresses in any spelling (an
    /// IPv4-mapped IPv6 peer such as `::ffff:10.0.0.2` matches `10.0.0.2`). Throws for a host that is not numeric:
    /// names are not resolved here, so trust does not change with DNS.
    public init(trustedHosts hosts: some Sequence<String>, headerTimeout: Duration = .seconds(10))
        throws(TransportError)
    {
        var trusted = Set<[UInt8]>()
        for host in hosts {
            guard let bytes = Self.canonicalBytes(host) else {
                throw TransportError(
                    operation: "trust PROXY headers from \(host)", reason: "not a numeric IPv4 or IPv6 address",
                    errno: EINVAL)
            }
            trusted.insert(bytes)
        }
        self.init(headerTimeout: headerTimeout) { [trusted] peer in
            Self.canonicalBytes(peer.host).map(trusted.contains) ?? false
        }
    }

    /// Trusts the peers `isTrusted` accepts; it is called on the accepting loop once per accepted connection.
    public init(headerTimeout: Duration = .seconds(10), trusting isTrusted: @escaping @Sendable (SocketAddress) -> Bool)
    {
        self.headerTimeout = headerTimeout
        self.isTrusted = isTrusted
    }

    /// True when a connection from `peer` may start with a PROXY protocol header.
    public func trusts(_ peer: SocketAddress) -> Bool {
        isTrusted(peer)
    }

    /// The 4 bytes of an IPv4 address (also for an IPv4-mapped IPv6 one) or the 16 of an IPv6 address.
    private static func canonicalBytes(_ host: String) -> [UInt8]? {
        var raw = [UInt8](repeating: 0, count: 16)
        let length = raw.withUnsafeMutableBufferPointer { gw_parse_numeric(host, $0.baseAddress) }
        switch length {
        case 4:
            return Array(raw.prefix(4))
        case 16 where raw.prefix(10).allSatisfy({ $0 == 0 }) && raw[10] == 0xFF && raw[11] == 0xFF:
            return Array(raw.suffix(4))
        case 16:
            return raw
        default:
            return nil
        }
    }
}
