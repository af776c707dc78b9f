import ProxyProtocol
import Testing

@Suite("PROXY protocol v2 header")
struct ProxyHeaderTests {
    private func decode(_ bytes: [UInt8]) throws(ProxyProtocolError) -> (ProxyHeader, Int)? {
        try bytes.withUnsafeBytes { b in Result { () throws(ProxyProtocolError) in try ProxyHeader.decode(b) } }.get()
    }

    private static let signature = ProxyHeader.signature
    private static let cases: [(String, [UInt8])] = [
        ("a wrong signature byte", Array("GET / HTTP/1.1\r\n".utf8)),
        ("version 1", signature + [0x11, 0x11, 0x00, 0x0C]),
        ("an unknown command", signature + [0x2F, 0x11, 0x00, 0x0C]),
        ("a length past the limit", signature + [0x21, 0x11, 0xFF, 0xFF]),
        ("IPv4 addresses cut short", signature + [0x21, 0x11, 0x00, 0x04, 1, 2, 3, 4]),
        ("IPv6 addresses cut short", signature + [0x21, 0x21, 0x00, 0x0C] + [UInt8](repeating: 0, count: 12)),
        ("a UNIX socket family", signature + [0x21, 0x31, 0x00, 0x00]),
    ]

    @Test("TCP over IPv4: exact bytes, decoded back with what follows left alone")
    func ipv4() throws {
        let header = ProxyHeader(
            source: .init(host: "192.0.2.10", port: 50_000), destination: .init(host: "10.0.0.1", port: 5672))
        let bytes = try #require(header.encoded())
        let expected: [UInt8] = [0x21, 0x11, 0x00, 0x0C, 192, 0, 2, 10, 10, 0, 0, 1, 0xC3, 0x50, 0x16, 0x28]
        #expect(bytes == ProxyHeader.signature + expected)
        let (decoded, used) = try #require(try decode(bytes + Array("AMQP".utf8)))
        #expect(decoded == header)
        #expect(used == bytes.count)
    }

    @Test("TCP over IPv6 and LOCAL round trip; TLVs after the addresses are skipped")
    func ipv6LocalAndTLVs() throws {
        let header = ProxyHeader(
            source: .init(host: "2001:db8::7", port: 1), destination: .init(host: "::1", port: 1883))
        let bytes = try #require(header.encoded())
        #expect(try decode(bytes)?.0 == header)
        let local = try #require(ProxyHeader(source: nil, destination: nil).encoded())
        #expect(local == ProxyHeader.signature + [0x20, 0x00, 0x00, 0x00])
        #expect(try decode(local)?.0 == ProxyHeader(source: nil, destination: nil))
        let addresses: [UInt8] = [0x21, 0x11, 0x00, 0x10, 127, 0, 0, 1, 127, 0, 0, 1, 0, 1, 0, 2]
        let noopTLV: [UInt8] = [0x04, 0x00, 0x01, 0xAA]
        let withTLV = ProxyHeader.signature + addresses + noopTLV
        let (decoded, used) = try #require(try decode(withTLV))
        #expect(decoded.source == .init(host: "127.0.0.1", port: 1) && used == withTLV.count)
        #expect(ProxyHeader(source: .init(host: "::1", port: 1), destination: .init(host: "127.0.0.1", port: 2)).encoded() == nil)
    }

    @Test("incomplete headers wait for more bytes, fed one byte at a time")
    func incremental() throws {
        let bytes = try #require(
            ProxyHeader(source: .init(host: "192.0.2.1", port: 9), destination: .init(host: "192.0.2.2", port: 10))
                .encoded())
        for n in 0..<bytes.count { #expect(try decode(Array(bytes.prefix(n))) == nil, "\(n) bytes") }
        #expect(try decode(bytes) != nil)
    }

    @Test("what cannot be a v2 header is refused as soon as it shows", arguments: cases)
    func refused(_ what: String, _ bytes: [UInt8]) {
        #expect(throws: ProxyProtocolError.self, "\(what)") { _ = try decode(bytes) }
    }
}
