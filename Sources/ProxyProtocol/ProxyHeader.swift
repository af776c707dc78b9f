#if canImport(Glibc)
    import Glibc
#endif

/// The PROXY protocol version 2 header (HAProxy's specification, §2.2): what a proxy sends before the client's bytes
/// so the server sees the client's real address. Groundwork for clustering (issue 12 §4): a follower forwards client
/// connections to the leader behind such a header. Binary only; version 1 (text) is not accepted.
///
/// Layout: the 12-byte signature, version and command (`0x21` PROXY, `0x20` LOCAL), address family and transport
/// (`0x11` TCP over IPv4, `0x21` TCP over IPv6, `0x00` unspecified), a 16-bit length, then the addresses (IPv4: source,
/// destination, source port, destination port in 12 bytes; IPv6: 36 bytes) and TLVs, which are skipped.
public struct ProxyHeader: Sendable, Equatable {
    /// One end of the proxied connection.
    public struct Endpoint: Sendable, Equatable {
        /// The address in its usual text form (`192.0.2.1`, `2001:db8::1`).
        public var host: String
        public var port: UInt16

        public init(host: String, port: UInt16) {
            self.host = host
            self.port = port
        }
    }

    /// The client (source) and the address it connected to (destination); nil for a LOCAL header (a health check
    /// from the proxy itself) or an unspecified family.
    public var source: Endpoint?
    public var destination: Endpoint?

    public init(source: Endpoint?, destination: Endpoint?) {
        self.source = source
        self.destination = destination
    }

    /// The 12 bytes every version 2 header starts with.
    public static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// The longest header accepted: the fixed 16 bytes and 1 KiB of addresses and TLVs.
    public static let maxLength = 16 + 1024

    /// Decodes the header at the start of `bytes`: the header and how many bytes it took, or nil while it is
    /// incomplete. Throws as soon as the bytes cannot be a valid header (even before it is complete).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(ProxyProtocolError) -> (ProxyHeader, Int)? {
        let prefix = min(bytes.count, signature.count)
        for i in 0..<prefix where bytes[i] != signature[i] {
            throw ProxyProtocolError("not a PROXY protocol v2 header: the signature differs at byte \(i)")
        }
        guard bytes.count >= 16 else { return nil }
        let versionCommand = bytes[12]
        guard versionCommand >> 4 == 2 else {
            throw ProxyProtocolError("PROXY protocol version \(versionCommand >> 4), only version 2 is accepted")
        }
        let command = versionCommand & 0x0F
        guard command <= 1 else { throw ProxyProtocolError("unknown PROXY protocol command \(command)") }
        let family = bytes[13]
        let length = Int(bytes[14]) << 8 | Int(bytes[15])
        guard 16 + length <= maxLength else {
            throw ProxyProtocolError("PROXY header of \(16 + length) bytes, more than the \(maxLength) accepted")
        }
        guard bytes.count >= 16 + length else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: bytes[16..<(16 + length)])
        guard command == 1 else { return (ProxyHeader(source: nil, destination: nil), 16 + length) }
        switch family {
        case 0x11:
            guard length >= 12 else { throw ProxyProtocolError("PROXY TCP/IPv4 addresses need 12 bytes, got \(length)") }
            return (
                ProxyHeader(
                    source: Endpoint(host: text(AF_INET, body[0..<4]), port: port(body, at: 8)),
                    destination: Endpoint(host: text(AF_INET, body[4..<8]), port: port(body, at: 10))),
                16 + length
            )
        case 0x21:
            guard length >= 36 else { throw ProxyProtocolError("PROXY TCP/IPv6 addresses need 36 bytes, got \(length)") }
            return (
                ProxyHeader(
                    source: Endpoint(host: text(AF_INET6, body[0..<16]), port: port(body, at: 32)),
                    destination: Endpoint(host: text(AF_INET6, body[16..<32]), port: port(body, at: 34))),
                16 + length
            )
        case 0x00:
            return (ProxyHeader(source: nil, destination: nil), 16 + length)
        default:
            throw ProxyProtocolError("PROXY address family and transport 0x\(String(family, radix: 16)) not accepted")
        }
    }

    /// The header for a TCP connection from `source` to `destination` (both IPv4 or both IPv6), or a LOCAL header when
    /// either is nil. Nil when the addresses are not numeric IPv4/IPv6 of one family.
    public func encoded() -> [UInt8]? {
        var out = Self.signature
        guard let source, let destination else {
            out += [0x20, 0x00, 0x00, 0x00]
            return out
        }
        for (family, size, code) in [(AF_INET, 4, UInt8(0x11)), (AF_INET6, 16, UInt8(0x21))] {
            guard let s = Self.binary(family, source.host, size: size),
                let d = Self.binary(family, destination.host, size: size)
            else { continue }
            let length = 2 * size + 4
            out += [0x21, code, UInt8(length >> 8), UInt8(length & 0xFF)]
            out += s + d
            out += [UInt8(source.port >> 8), UInt8(source.port & 0xFF)]
            out += [UInt8(destination.port >> 8), UInt8(destination.port & 0xFF)]
            return out
        }
        return nil
    }

    private static func port(_ body: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        UInt16(body[offset]) << 8 | UInt16(body[offset + 1])
    }

    private static func text(_ family: Int32, _ raw: Slice<UnsafeRawBufferPointer>) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let bytes = Array(raw)
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func binary(_ family: Int32, _ host: String, size: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { inet_pton(family, host, $0.baseAddress) }
        return ok == 1 ? out : nil
    }
}
