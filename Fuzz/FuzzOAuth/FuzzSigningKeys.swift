import AMQPModel
import COpenSSL

/// An RSA 2048 and an EC P-256 key pair generated when the fuzzer starts, the JWKS that publishes them
/// (kids `rsa1` and `ec1`, as in the unit tests), and JWS signing with either.
///
/// `@unchecked Sendable`: the keys are created once in `init` and only read afterwards; libFuzzer runs the
/// harness on one thread.
final class FuzzSigningKeys: @unchecked Sendable {
    static let shared = FuzzSigningKeys()

    let rsa: OpaquePointer
    let ec: OpaquePointer
    let jwks: JWKS

    private init() {
        rsa = Self.generate("RSA") { EVP_PKEY_CTX_set_rsa_keygen_bits($0, 2048) }
        ec = Self.generate("EC") { EVP_PKEY_CTX_set_group_name($0, "P-256") }
        let n = Self.base64url(Self.bignum(rsa, "n", width: nil))
        let e = Self.base64url(Self.bignum(rsa, "e", width: nil))
        let x = Self.base64url(Self.bignum(ec, "qx", width: 32))
        let y = Self.base64url(Self.bignum(ec, "qy", width: 32))
        let text =
            #"{"keys":[{"kty":"RSA","kid":"rsa1","alg":"RS256","use":"sig","n":"\#(n)","e":"\#(e)"},"#
            + #"{"kty":"EC","kid":"ec1","crv":"P-256","x":"\#(x)","y":"\#(y)"}]}"#
        jwks = try! JWKS(json: Array(text.utf8))
    }

    /// The JWS signature of `input` (RFC 7515 §5.1): PKCS#1 v1.5 for RSA, `r ‖ s` for ECDSA (RFC 7518 §3.4).
    func sign(_ input: [UInt8], rsa useRSA: Bool) -> [UInt8] {
        let signature = Self.digestSign(input, key: useRSA ? rsa : ec)
        return useRSA ? signature : Self.rawECDSA(signature)
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var word = 0
            for (offset, byte) in chunk.enumerated() { word |= Int(byte) << (16 - 8 * offset) }
            for sextet in 0...chunk.count { out.append(alphabet[(word >> (18 - 6 * sextet)) & 0x3F]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func generate(_ type: String, _ configure: (OpaquePointer) -> Int32) -> OpaquePointer {
        let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil)!
        defer { EVP_PKEY_CTX_free(ctx) }
        precondition(EVP_PKEY_keygen_init(ctx) == 1 && configure(ctx) == 1, "cannot set up \(type) key generation")
        var key: OpaquePointer?
        precondition(EVP_PKEY_generate(ctx, &key) == 1, "cannot generate a \(type) key")
        return key!
    }

    private static func bignum(_ key: OpaquePointer, _ name: String, width: Int32?) -> [UInt8] {
        var bn: OpaquePointer?
        precondition(EVP_PKEY_get_bn_param(key, name, &bn) == 1, "no \(name) parameter")
        defer { BN_free(bn) }
        let length = width ?? (BN_num_bits(bn) + 7) / 8
        var out = [UInt8](repeating: 0, count: Int(length))
        precondition(BN_bn2binpad(bn, &out, length) == length)
        return out
    }

    private static func digestSign(_ input: [UInt8], key: OpaquePointer) -> [UInt8] {
        let ctx = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(ctx) }
        precondition(EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, key) == 1)
        var length = 0
        precondition(EVP_DigestSign(ctx, nil, &length, input, input.count) == 1)
        var out = [UInt8](repeating: 0, count: length)
        precondition(EVP_DigestSign(ctx, &out, &length, input, input.count) == 1)
        return Array(out[..<length])
    }

    /// DER `ECDSA-Sig-Value` to `r ‖ s`, 32 bytes each.
    private static func rawECDSA(_ der: [UInt8]) -> [UInt8] {
        let sig = der.withUnsafeBufferPointer { buffer -> OpaquePointer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, der.count)!
        }
        defer { ECDSA_SIG_free(sig) }
        var out = [UInt8](repeating: 0, count: 64)
        precondition(BN_bn2binpad(ECDSA_SIG_get0_r(sig), &out, 32) == 32)
        out.withUnsafeMutableBufferPointer { buffer in
            precondition(BN_bn2binpad(ECDSA_SIG_get0_s(sig), buffer.baseAddress! + 32, 32) == 32)
        }
        return out
    }
}
