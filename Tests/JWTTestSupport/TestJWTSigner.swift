import COpenSSL
import Foundation

/// Builds compact JWS tokens for tests: RS256/ES256 signed with EVP_DigestSign, HS256 with HMAC, or
/// unsigned, over any header and claims (including ones a real issuer would never produce).
public enum TestJWTSigner {
    public enum Signature {
        case rs256(pem: [UInt8])
        case es256(pem: [UInt8])
        case hs256(secret: [UInt8])
        case none
    }

    public static func token(header: [String: Any], claims: [String: Any], signature: Signature) -> String {
        let input = base64url(json(header)) + "." + base64url(json(claims))
        return input + "." + base64url(sign(Array(input.utf8), signature))
    }

    public static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func json(_ object: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// The JWS signature of `input` (RFC 7515 §5.1): PKCS#1 v1.5 for RS256, `r ‖ s` for ES256 (RFC 7518 §3.4).
    public static func sign(_ input: [UInt8], _ signature: Signature) -> [UInt8] {
        switch signature {
        case .rs256(let pem):
            return digestSign(input, pem: pem)
        case .es256(let pem):
            return rawECDSA(digestSign(input, pem: pem))
        case .hs256(let secret):
            var out = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            precondition(HMAC(EVP_sha256(), secret, Int32(secret.count), input, input.count, &out, &length) != nil)
            return out
        case .none:
            return []
        }
    }

    private static func digestSign(_ input: [UInt8], pem: [UInt8]) -> [UInt8] {
        let key = TestSigningKeys.privateKey(pem)
        defer { EVP_PKEY_free(key) }
        let ctx = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(ctx) }
        precondition(EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, key) == 1)
        var length = 0
        precondition(EVP_DigestSign(ctx, nil, &length, input, input.count) == 1)
        var out = [UInt8](repeating: 0, count: length)
        precondition(EVP_DigestSign(ctx, &out, &length, input, input.count) == 1)
        return Array(out[..<length])
    }

    /// DER `ECDSA-Sig-Value` to the JWS form `r ‖ s`, 32 bytes each (RFC 7518 §3.4).
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
