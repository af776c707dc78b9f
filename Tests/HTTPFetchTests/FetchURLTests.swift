import Testing

@testable import HTTPFetch

@Suite("FetchURL")
struct FetchURLTests {
    @Test(
        "accepted forms: names, IPv4, bracketed IPv6, default and explicit ports, empty path as /",
        arguments: [
            ("http://idp.example", false, "idp.example", FetchURL.HostKind.name, 80, "/", "idp.example"),
            ("HTTPS://IdP.Example/jwks", true, "idp.example", .name, 443, "/jwks", "idp.example"),
            (
                "https://idp.example:8443/a/b?x=1&y=%20", true, "idp.example", .name, 8443, "/a/b?x=1&y=%20",
                "idp.example:8443"
            ),
            ("http://10.0.0.1:8080?q", false, "10.0.0.1", .ipv4, 8080, "/?q", "10.0.0.1:8080"),
            ("https://[::1]/jwks", true, "::1", .ipv6, 443, "/jwks", "[::1]"),
            ("http://[2001:db8::1]:81/", false, "2001:db8::1", .ipv6, 81, "/", "[2001:db8::1]:81"),
        ])
    func accepted(
        text: String, isSecure: Bool, host: String, kind: FetchURL.HostKind, port: Int, target: String,
        authority: String
    ) throws {
        let url = try FetchURL(parsing: text)
        #expect(url.isSecure == isSecure)
        #expect(url.host == host)
        #expect(url.hostKind == kind)
        #expect(url.port == port)
        #expect(url.target == target)
        #expect(url.authority == authority)
    }

    @Test(
        "refused forms fail with invalidURL before any connection",
        arguments: [
            "idp.example/jwks", "ftp://idp.example/jwks", "file:///etc/passwd", "https:/idp.example",
            "https://user:secret@idp.example/jwks", "https://idp.example/jwks#keys", "https:///jwks",
            "https://idp.example:/", "https://idp.example:0/", "https://idp.example:65536/", "https://idp.example:8a/",
            "https://[::1/", "https://[::1]x/", "https://[fe80::1%25eth0]/", "https://[idp.example]/", "https://1.2.3/",
            "https://idp%2Eexample/", "https://idp.exämple/", "https://idp.example/a b",
            "https://idp.example/a\r\nX: y",
            "https://idp.example/ü",
        ])
    func refused(text: String) {
        let error = #expect(throws: HTTPFetchError.self) { try HTTPFetcher.get(text) }
        #expect(error?.kind == .invalidURL)
        #expect(error?.message.hasPrefix("GET \(text): invalid URL: ") == true)
    }

    @Test(
        "a redirect's Location resolves against the URL it came from",
        arguments: [
            ("https://other.example:444/x", "https://other.example:444/x"),
            ("//other.example/x", "https://other.example/x"),
            ("/keys?v=2", "https://idp.example:8443/keys?v=2"),
            ("?v=2", "https://idp.example:8443/a/jwks?v=2"),
            ("keys.json", "https://idp.example:8443/a/keys.json"),
            ("  /keys#section ", "https://idp.example:8443/keys"),
            ("http://idp.example/x", "http://idp.example/x"),
        ])
    func location(location: String, expected: String) throws {
        let base = try FetchURL(parsing: "https://idp.example:8443/a/jwks?v=1")
        #expect(try base.resolving(location: location).description == expected)
    }

    @Test("a Location that is empty or of another scheme is invalidURL", arguments: ["", "#top", "ftp://idp.example/"])
    func badLocation(location: String) throws {
        let base = try FetchURL(parsing: "https://idp.example/jwks")
        let error = #expect(throws: HTTPFetchError.self) { try base.resolving(location: location) }
        #expect(error?.kind == .invalidURL)
        #expect(error?.message.hasPrefix("the redirect's Location '\(location)' is an invalid URL: ") == true)
    }
}
