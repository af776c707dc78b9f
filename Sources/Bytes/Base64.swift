/// Standard base64 (RFC 4648 §4, with padding) without Foundation: password hashes, HTTP Basic credentials,
/// message payloads in the management API, and the WebSocket handshake.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Each alphabet byte's 6-bit value; 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var v = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { v[Int(c)] = UInt8(i) }
        return v
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The decoded bytes, or nil when `text` is not canonical padded base64.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var padding = 0
        if chars.last == UInt8(ascii: "=") { padding += 1 }
        if chars.count >= 2 && chars[chars.count - 2] == UInt8(ascii: "=") { padding += 1 }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var n: UInt32 = 0
        for (i, c) in chars.enumerated() {
            let isPad = i >= chars.count - padding
            let v = isPad ? 0 : values[Int(c)]
            guard v != 0xFF else { return nil }
            n = n << 6 | UInt32(v)
            if i % 4 == 3 {
                out.append(UInt8(n >> 16 & 0xFF))
                out.append(UInt8(n >> 8 & 0xFF))
                out.append(UInt8(n & 0xFF))
                n = 0
            }
        }
        out.removeLast(padding)
        return out
    }
}
