/// A JSON value for the one object `--json` prints; keys keep their insertion order.
enum JSONValue {
    case integer(Int64)
    /// A number printed with `decimals` digits after the point.
    case number(Double, decimals: Int)
    case string(String)
    case bool(Bool)
    case null
    case object([(String, JSONValue)])

    /// The compact JSON text.
    var text: String {
        switch self {
        case .integer(let v): return String(v)
        case .number(let v, let decimals): return v.formatted(decimals: decimals)
        case .string(let s): return Self.quote(s)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .object(let members):
            return "{" + members.map { Self.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
