import Testing
import Transport

@Suite("ProxyTrust")
struct ProxyTrustTests {
    @Test("trusted hosts match in any spelling, IPv4-mapped peers match their IPv4 address; names are refused")
    func trustedHosts() throws {
        let trust = try ProxyTrust(trustedHosts: ["10.0.0.2", "2001:db8::1"])
        for host in ["10.0.0.2", "::ffff:10.0.0.2", "2001:db8::1", "2001:0db8:0:0:0:0:0:1"] {
            #expect(trust.trusts(SocketAddress(host: host, port: 1)), "\(host)")
        }
        for host in ["10.0.0.3", "::1", "127.0.0.1", "2001:db8::2", "::ffff:10.0.0.3", "::10.0.0.2"] {
            #expect(!trust.trusts(SocketAddress(host: host, port: 1)), "\(host)")
        }
        #expect(trust.headerTimeout == .seconds(10))
        let error = #expect(throws: TransportError.self) { try ProxyTrust(trustedHosts: ["leader.example"]) }
        #expect(error?.description == "trust PROXY headers from leader.example: not a numeric IPv4 or IPv6 address")
    }
}
