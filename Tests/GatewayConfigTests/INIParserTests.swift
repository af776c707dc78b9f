import Testing

@testable import GatewayConfig

@Suite("INI parser")
struct INIParserTests {
    @Test("sections, keys and values with comments, blank lines, whitespace and CRLF")
    func parsesSettings() throws {
        let text = """
            # a comment
            ; another comment
              [main]  \r
            data_dir   =   /var/lib/gateway\r

            \tlog_level=debug
            [amqp]
            tls_ciphers = ECDHE+AESGCM:!aNULL # kept verbatim
            empty =
            """
        let settings = try INIParser.parse(text, fileName: "gateway.ini")
        #expect(settings.map(\.section) == ["main", "main", "amqp", "amqp"])
        #expect(settings.map(\.key) == ["data_dir", "log_level", "tls_ciphers", "empty"])
        #expect(settings.map(\.value) == ["/var/lib/gateway", "debug", "ECDHE+AESGCM:!aNULL # kept verbatim", ""])
        #expect(settings.map(\.line) == [4, 6, 8, 9])
    }

    @Test("a value may contain '='; only the first one separates key and value")
    func valueWithEquals() throws {
        let settings = try INIParser.parse("[main]\ndefault_password_hash = abc==\n", fileName: "x.ini")
        #expect(settings.first?.value == "abc==")
    }

    @Test("malformed lines are errors naming file and line")
    func malformedLines() {
        #expect(
            configErrorMessage { _ = try INIParser.parse("[main]\n\nthis is not a setting\n", fileName: "g.ini") }
                == "g.ini:3: expected 'key = value', '[section]' or a comment, found 'this is not a setting'")
        #expect(
            configErrorMessage { _ = try INIParser.parse("port = 1\n", fileName: "g.ini") }
                == "g.ini:1: 'port' appears before any [section] header")
        #expect(
            configErrorMessage { _ = try INIParser.parse("[main\n", fileName: "g.ini") }
                == "g.ini:1: section header '[main' has no closing ']'")
        #expect(
            configErrorMessage { _ = try INIParser.parse("[ ]\n", fileName: "g.ini") } == "g.ini:1: empty section name")
        #expect(
            configErrorMessage { _ = try INIParser.parse("[main]\n = 3\n", fileName: "g.ini") }
                == "g.ini:2: missing key before '='")
    }
}
