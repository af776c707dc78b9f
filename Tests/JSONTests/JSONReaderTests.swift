import Testing

@testable import JSON

@Suite("JSON reader")
struct JSONReaderTests {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONReader.parse(Array(text.utf8))
    }

    @Test("integers stay integers, fractions and exponents are doubles, booleans are booleans")
    func numbersAndBooleans() throws {
        #expect(try parse("60000") == .int(60000))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("1.0") == .double(1))
        #expect(try parse("2e3") == .double(2000))
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("[false, null, 1]") == .array([.bool(false), .null, .int(1)]))
        #expect(try JSONReader.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .table([:]))
    }

    @Test("string escapes, including surrogate pairs, decode to the right text")
    func stringEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
        #expect(try parse(#""ünïcødé""#) == .string("ünïcødé"))
    }

    @Test("invalid documents are rejected with a position")
    func rejectsInvalid() {
        let cases: [(String, JSONSyntaxError)] = [
            ("01", JSONSyntaxError(reason: "leading zero in number", line: 1, column: 2)),
            ("[1,]", JSONSyntaxError(reason: "unexpected ']', expected a value", line: 1, column: 4)),
            ("\"abc", JSONSyntaxError(reason: "unterminated string", line: 1, column: 1)),
            (
                "\"a\u{01}\"",
                JSONSyntaxError(reason: "control character in string (write it as \\u00XX)", line: 1, column: 3)
            ),
            (#""\x""#, JSONSyntaxError(reason: "invalid escape '\\x'", line: 1, column: 3)),
            (#""\udc00""#, JSONSyntaxError(reason: "lone low surrogate in \\u escape", line: 1, column: 8)),
            ("tru", JSONSyntaxError(reason: "unexpected 't', expected a value", line: 1, column: 1)),
            ("1e999", JSONSyntaxError(reason: "number 1e999 is out of range", line: 1, column: 1)),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text)") { try JSONReader.parse(Array(text.utf8)) }
        }
        let invalidUTF8: [UInt8] = [0x22, 0xFF, 0x22]
        #expect(throws: JSONSyntaxError(reason: "string is not valid UTF-8", line: 1, column: 1)) {
            try JSONReader.parse(invalidUTF8)
        }
    }

    @Test("nesting deeper than the limit is an error, not a stack overflow")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONReader.parse(Array(deep.utf8)) }
        let fine =
            String(repeating: "[", count: JSONReader.maxDepth) + String(repeating: "]", count: JSONReader.maxDepth)
        #expect(throws: Never.self) { try JSONReader.parse(Array(fine.utf8)) }
    }
}
