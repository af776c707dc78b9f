/// A small streaming RFC 8259 JSON writer, the inverse of ``JSONReader``.
///
/// Objects are written member by member in the order the caller gives, so a document has a fixed key order;
/// only ``JSONValue/table(_:)`` values (whose dictionaries have no order) are written with their keys sorted.
/// Pretty output indents by two spaces, puts each member and element on its own line and writes empty containers
/// as `{}` and `[]`; compact output has no whitespace at all.
public struct JSONWriter {
    /// The document written so far.
    public private(set) var bytes: [UInt8] = []
    private let pretty: Bool
    /// How many containers are open.
    private var depth = 0
    /// Whether the innermost open container has no member or element yet.
    private var containerIsEmpty = true
    /// Whether a key was just written, so the next value belongs to it rather than being a new array element.
    private var afterKey = false

    private static let hexDigits = Array("0123456789abcdef".utf8)

    public init(pretty: Bool) {
        self.pretty = pretty
    }

    /// Writes an object whose members `body` writes with ``member(_:_:)`` and the other `member` methods.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        container(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), body)
    }

    /// Writes an array whose elements `body` writes, each with one value-writing call.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        container(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), body)
    }

    /// Writes the member `key` with a scalar or nested ``JSONValue``.
    public mutating func member(_ key: String, _ value: JSONValue) {
        self.key(key)
        self.value(value)
    }

    /// Writes the member `key` whose value is an object with the members `body` writes.
    public mutating func member(_ key: String, object body: (inout JSONWriter) -> Void) {
        self.key(key)
        object(body)
    }

    /// Writes the member `key` whose value is an array with one element per item of `items`, written by `element`.
    public mutating func member<Items: Sequence>(
        _ key: String, array items: Items, _ element: (inout JSONWriter, Items.Element) -> Void
    ) {
        self.key(key)
        array { writer in
            for item in items { element(&writer, item) }
        }
    }

    /// Writes a complete value; tables are written with their keys sorted so the output is deterministic.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .string(let text):
            beginValue()
            string(text)
        case .int(let integer):
            beginValue()
            bytes.append(contentsOf: String(integer).utf8)
        case .double(let double):
            beginValue()
            number(double)
        case .bool(let flag):
            beginValue()
            bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null:
            beginValue()
            bytes.append(contentsOf: "null".utf8)
        case .array(let elements):
            array { writer in
                for element in elements { writer.value(element) }
            }
        case .table(let fields):
            object { writer in
                for (key, field) in fields.sorted(by: { $0.key < $1.key }) { writer.member(key, field) }
            }
        }
    }

    private mutating func container(open: UInt8, close: UInt8, _ body: (inout JSONWriter) -> Void) {
        beginValue()
        bytes.append(open)
        let outerIsEmpty = containerIsEmpty
        containerIsEmpty = true
        depth += 1
        body(&self)
        depth -= 1
        if !containerIsEmpty { newline() }
        bytes.append(close)
        containerIsEmpty = outerIsEmpty
    }

    private mutating func key(_ key: String) {
        separate()
        string(key)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        afterKey = true
    }

    /// Before a value: nothing after a key or at the top level, otherwise the separator of a new array element.
    private mutating func beginValue() {
        if afterKey {
            afterKey = false
        } else if depth > 0 {
            separate()
        }
    }

    /// The comma before every member or element but the first, and in pretty output the line break and indent.
    private mutating func separate() {
        if !containerIsEmpty { bytes.append(UInt8(ascii: ",")) }
        containerIsEmpty = false
        newline()
    }

    private mutating func newline() {
        guard pretty else { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    /// A string per RFC 8259 §7: quote and backslash escaped, control characters (U+0000–U+001F) as their short
    /// escapes or `\u00XX`, everything else (including non-ASCII, written as UTF-8) passed through unchanged.
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A double that reads back as the same double, and as a double rather than an integer: Swift's shortest
    /// round-tripping `description`, which for finite values always has a '.' or an exponent ("60000.0", "1e+16",
    /// "5e-324"), and is valid RFC 8259 §6 number syntax. JSON has no NaN or infinity; they are written as `null`,
    /// as JavaScript's `JSON.stringify` does.
    private mutating func number(_ double: Double) {
        bytes.append(contentsOf: (double.isFinite ? double.description : "null").utf8)
    }
}
