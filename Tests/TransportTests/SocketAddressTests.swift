import Testing
import Transport

@Suite("SocketAddress")
struct SocketAddressTests {
    @Test(
        "isLoopback is true only for 127.0.0.1, ::1 and ::ffff:127.0.0.1",
        arguments: [
            ("127.0.0.1", true),
            ("::1", true),
            ("0:0:0:0:0:0:0:1", true),
            ("::ffff:127.0.0.1", true),
            ("127.0.0.2", false),
            ("127.1.2.3", false),
            ("::ffff:127.0.0.2", false),
            ("0.0.0.0", false),
            ("::", false),
            ("10.0.0.1", false),
            ("192.168.1.10", false),
            ("fe80::1", false),
            ("localhost", false),
            ("", false),
        ])
    func isLoopback(host: String, expected: Bool) {
        #expect(SocketAddress(host: host, port: 5672).isLoopback == expected)
    }

    @Test("description puts IPv6 hosts in brackets")
    func description() {
        #expect(SocketAddress(host: "127.0.0.1", port: 5672).description == "127.0.0.1:5672")
        #expect(SocketAddress(host: "::1", port: 1883).description == "[::1]:1883")
    }
}
