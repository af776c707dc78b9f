/// Splitting and percent-decoding of a request target (RFC 3986).
public enum HTTPTarget {
    /// The path segments (each percent-decoded on its own, so an encoded `/` stays inside its segment) and the
    /// query parameters of `target`. Invalid percent-encoding or a segment that is not UTF-8 is a 400.
    public static func split(
        _ target: String
    ) throws(HTTPParseError) -> (segments: [String], query: [(name: String, value: String)]) {
        let bytes = Array(target.utf8)
        let q = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        var segments: [String] = []
        for raw in bytes[..<q].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            segments.append(try decode(raw, plusIsSpace: false))
        }
        if segments.last == "" { segments.removeLast() }
        var query: [(name: String, value: String)] = []
        if q < bytes.count {
            for pair in bytes[(q + 1)...].split(separator: UInt8(ascii: "&")) {
                let eq = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
                let name = try decode(pair[pair.startIndex..<eq], plusIsSpace: true)
                let value = eq < pair.endIndex ? try decode(pair[(eq + 1)...], plusIsSpace: true) : ""
                query.append((name, value))
            }
        }
        return (segments, query)
    }

    /// Percent-decodes `raw`; with `plusIsSpace` (query strings) `+` becomes a space.
    public static func decode(_ raw: ArraySlice<UInt8>, plusIsSpace: Bool) throws(HTTPParseError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let b = raw[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < raw.endIndex, let hi = hex(raw[i + 1]), let lo = hex(raw[i + 2])
                else {
                    throw HTTPParseError(.badRequest, "invalid percent-encoding in the request target")
                }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(plusIsSpace && b == UInt8(ascii: "+") ? 32 : b)
                i += 1
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw HTTPParseError(.badRequest, "the request target is not UTF-8 after percent-decoding")
        }
        return text
    }

    /// Percent-encodes `text` for use as one path segment (RabbitMQ style: `/` becomes `%2F`).
    public static func encodeSegment(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out += "%" + String(digits[Int(b >> 4)]) + String(digits[Int(b & 15)])
            }
        }
        return out
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
