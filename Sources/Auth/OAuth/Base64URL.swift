/// Unpadded base64url (RFC 4648 §5) as JWS and JWK use it (RFC 7515 §2).
enum Base64URL {
    /// Each byte's 6-bit value in the URL-safe alphabet; 0xFF for bytes outside it (padding included).
    private static let values: [UInt8] = {
        var v = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() {
            v[Int(c)] = UInt8(i)
        }
        return v
    }()

    /// The decoded bytes, or nil for characters outside the alphabet, `=` padding, or an impossible length.
    static func decode<C: Collection<UInt8>>(_ text: C) -> [UInt8]? {
        guard text.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in text {
            let v = values[Int(c)]
            guard v != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
