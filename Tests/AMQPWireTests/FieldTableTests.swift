import AMQPValues
import AMQPWire
import Bytes
import Testing

@Suite("Field tables")
struct FieldTableTests {
    static func encoded(_ table: FieldTable) -> [UInt8] {
        var buffer = ByteBuffer()
        table.encode(into: &buffer)
        return buffer.readableBytesArray
    }

    static func decoded(_ bytes: [UInt8]) throws -> FieldTable {
        var buffer = ByteBuffer(bytes: bytes)
        let table = try FieldTable.decode(&buffer)
        #expect(buffer.readableBytes == 0)
        return table
    }

    /// A long: big-endian 32-bit length.
    static func long(_ n: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(n).bigEndian, Array.init) }

    /// An encoded table whose entries are `body`.
    static func table(_ body: [UInt8]) -> [UInt8] { long(body.count) + body }

    /// An entry: short-string key, then the typed value bytes.
    static func entry(_ key: String, _ value: [UInt8]) -> [UInt8] { [UInt8(key.utf8.count)] + Array(key.utf8) + value }

    @Test("every RabbitMQ field type, nested tables and arrays round-trip")
    func everyTypeRoundTrips() throws {
        let table: FieldTable = [
            "t": .bool(true), "b": .int8(-5), "B": .uint8(250), "s": .int16(-300), "u": .uint16(65_000),
            "I": .int32(-70_000), "i": .uint32(4_000_000_000), "l": .int64(-5_000_000_000), "f": .float(1.5),
            "d": .double(-2.25), "D": .decimal(scale: 2, value: 12_345), "S": .string("long string"),
            "x": .bytes([0, 0xFF, 0x10]), "T": .timestamp(1_700_000_000), "V": .void,
            "A": .array([.int32(1), .string("two"), .array([.bool(false)]), .table(["inner": .void])]),
            "F": .table(["nested": .table(["deeper": .array([])]), "empty": .table([:])]),
        ]
        #expect(try Self.decoded(Self.encoded(table)) == table)
        #expect(try Self.decoded(Self.encoded([:])) == [:])
    }

    @Test("each type decodes from the bytes RabbitMQ clients send", arguments: [
        (FieldValue.bool(true), [UInt8(ascii: "t"), 1]),
        (.int8(-2), [UInt8(ascii: "b"), 0xFE]),
        (.uint8(200), [UInt8(ascii: "B"), 200]),
        (.int16(-2), [UInt8(ascii: "s"), 0xFF, 0xFE]),
        (.uint16(0x0102), [UInt8(ascii: "u"), 1, 2]),
        (.int32(-2), [UInt8(ascii: "I"), 0xFF, 0xFF, 0xFF, 0xFE]),
        (.uint32(0x0102_0304), [UInt8(ascii: "i"), 1, 2, 3, 4]),
        (.int64(-2), [UInt8(ascii: "l"), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]),
        (.float(1.0), [UInt8(ascii: "f"), 0x3F, 0x80, 0, 0]),
        (.double(1.0), [UInt8(ascii: "d"), 0x3F, 0xF0, 0, 0, 0, 0, 0, 0]),
        (.decimal(scale: 2, value: 314), [UInt8(ascii: "D"), 2, 0, 0, 1, 0x3A]),
        (.longString(Array("hi".utf8)), [UInt8(ascii: "S"), 0, 0, 0, 2, 0x68, 0x69]),
        (.bytes([0xAB]), [UInt8(ascii: "x"), 0, 0, 0, 1, 0xAB]),
        (.array([.uint8(1), .void]), [UInt8(ascii: "A"), 0, 0, 0, 3, UInt8(ascii: "B"), 1, UInt8(ascii: "V")]),
        (.timestamp(1), [UInt8(ascii: "T"), 0, 0, 0, 0, 0, 0, 0, 1]),
        (.table(["a": .void]), [UInt8(ascii: "F"), 0, 0, 0, 3, 1, UInt8(ascii: "a"), UInt8(ascii: "V")]),
        (.void, [UInt8(ascii: "V")]),
    ])
    func knownValueBytes(value: FieldValue, bytes: [UInt8]) throws {
        let wire = Self.table(Self.entry("k", bytes))
        #expect(try Self.decoded(wire) == ["k": value])
        #expect(Self.encoded(["k": value]) == wire)
    }

    @Test("client properties as pika writes them decode and re-encode byte for byte")
    func clientPropertiesKnownBytes() throws {
        let capabilities = Self.table(
            Self.entry("publisher_confirms", [UInt8(ascii: "t"), 1])
                + Self.entry("consumer_cancel_notify", [UInt8(ascii: "t"), 1]))
        let bytes = Self.table(
            Self.entry("product", [UInt8(ascii: "S")] + Self.long(4) + Array("pika".utf8))
                + Self.entry("capabilities", [UInt8(ascii: "F")] + capabilities)
                + Self.entry("x-message-ttl", [UInt8(ascii: "I"), 0, 0, 0xEA, 0x60]))
        let expected: FieldTable = [
            "product": .string("pika"),
            "capabilities": .table(["publisher_confirms": .bool(true), "consumer_cancel_notify": .bool(true)]),
            "x-message-ttl": .int32(60_000),
        ]
        #expect(try Self.decoded(bytes) == expected)
        #expect(Self.encoded(expected) == bytes)
    }

    @Test("an unknown field type is a 502 syntax error")
    func unknownType() {
        for type in [UInt8(ascii: "Z"), 0, UInt8(ascii: "c")] {
            var buffer = ByteBuffer(bytes: Self.table(Self.entry("k", [type, 0, 0, 0, 0])))
            let error = wireError { _ = try FieldTable.decode(&buffer) }
            #expect(error?.replyCode == ReplyCode.syntaxError)
        }
    }

    /// `levels` tables nested inside one another, the innermost one empty.
    static func nestedTables(_ levels: Int) -> FieldTable {
        var table: FieldTable = [:]
        for _ in 1..<levels {
            table = ["n": .table(table)]
        }
        return table
    }

    @Test("nesting up to the limit decodes; one level deeper is a 502 syntax error")
    func nestingLimit() throws {
        let limit = FieldTable.maxNestingDepth
        #expect(try Self.decoded(Self.encoded(Self.nestedTables(limit))) == Self.nestedTables(limit))
        var buffer = ByteBuffer(bytes: Self.encoded(Self.nestedTables(limit + 1)))
        #expect(wireError { _ = try FieldTable.decode(&buffer) }?.replyCode == ReplyCode.syntaxError)
    }

    @Test("a hostile 100 000-level array nesting is rejected without exhausting the stack")
    func hostileArrayNesting() {
        let levels = 100_000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(levels * 5 + 16)
        bytes += Self.long(2 + levels * 5 + 1) + [1, UInt8(ascii: "k")]
        for level in 0..<levels {
            bytes += [UInt8(ascii: "A")] + Self.long((levels - level - 1) * 5 + 1)
        }
        bytes.append(UInt8(ascii: "V"))
        var buffer = ByteBuffer(bytes: bytes)
        let error = wireError { _ = try FieldTable.decode(&buffer) }
        #expect(error?.replyCode == ReplyCode.syntaxError)
        #expect(error?.message.contains("nest") == true)
    }

    @Test("a table whose length disagrees with its entries is a 502 syntax error")
    func lengthMismatch() {
        let entry = Self.entry("k", [UInt8(ascii: "I"), 0, 0, 0, 1])
        let cases: [[UInt8]] = [
            Self.long(entry.count - 1) + entry,  // the last entry runs past the table
            Self.long(entry.count + 1) + entry,  // the table claims a byte that is not there
            Self.long(3) + [5, 0x61],  // the key is cut short
            [0, 0],  // not even a length
        ]
        for bytes in cases {
            var buffer = ByteBuffer(bytes: bytes)
            #expect(wireError { _ = try FieldTable.decode(&buffer) }?.replyCode == ReplyCode.syntaxError)
        }
    }
}
