import COpenSSL

/// An OpenSSL public key (`EVP_PKEY`) built from JWK parameters, freed with its last reference.
///
/// `@unchecked Sendable`: the key is never modified after `init`, and OpenSSL 3 allows one `EVP_PKEY` to be
/// used for verification from several threads at once (each verification has its own `EVP_MD_CTX`).
final class JWKPublicKey: @unchecked Sendable {
    /// RSA keys shorter than this are refused (RFC 7518 §3.3 requires at least 2048 bits).
    static let minimumRSABits: Int32 = 2048

    private let pkey: OpaquePointer

    private init(_ pkey: OpaquePointer) { self.pkey = pkey }

    deinit { EVP_PKEY_free(pkey) }

    /// An RSA public key from the big-endian modulus and exponent, or nil when OpenSSL refuses them or the
    /// modulus is shorter than `minimumRSABits`.
    static func rsa(modulus: [UInt8], exponent: [UInt8]) -> JWKPublicKey? {
        guard !modulus.isEmpty, !exponent.isEmpty else { return nil }
        guard let n = BN_bin2bn(modulus, Int32(modulus.count), nil) else { return nil }
        defer { BN_free(n) }
        guard let e = BN_bin2bn(exponent, Int32(exponent.count), nil) else { return nil }
        defer { BN_free(e) }
        let key = build(type: "RSA") { builder, names in
            OSSL_PARAM_BLD_push_BN(builder, names.pointer("n"), n) == 1
                && OSSL_PARAM_BLD_push_BN(builder, names.pointer("e"), e) == 1
        }
        guard let key, EVP_PKEY_get_bits(key.pkey) >= minimumRSABits else { return nil }
        return key
    }

    /// A P-256 public key from the 32-byte big-endian affine coordinates, or nil when they are not a point
    /// on the curve (checked with `EVP_PKEY_public_check`, so invalid-curve points never reach a verification).
    static func p256(x: [UInt8], y: [UInt8]) -> JWKPublicKey? {
        guard x.count == 32, y.count == 32 else { return nil }
        let point = [0x04] + x + y
        let key = build(type: "EC") { builder, names in
            OSSL_PARAM_BLD_push_utf8_string(builder, names.pointer("group"), names.pointer("P-256"), 0) == 1
                && OSSL_PARAM_BLD_push_octet_string(builder, names.pointer("pub"), names.bytes(point), point.count)
                    == 1
        }
        guard let key, let ctx = EVP_PKEY_CTX_new_from_pkey(nil, key.pkey, nil) else { return nil }
        defer { EVP_PKEY_CTX_free(ctx) }
        return EVP_PKEY_public_check(ctx) == 1 ? key : nil
    }

    /// True when `signature` is a valid SHA-256 signature of `message` under this key. For EC keys the
    /// signature must be DER (`JWTVerifier` converts the JWS `r ‖ s` form first).
    func verifySHA256(signature: [UInt8], message: ArraySlice<UInt8>) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, EVP_sha256(), nil, pkey) == 1 else { return false }
        return message.withUnsafeBufferPointer { m in
            EVP_DigestVerify(ctx, signature, signature.count, m.baseAddress, m.count) == 1
        }
    }

    /// `EVP_PKEY_fromdata` over the parameters `push` adds. `OSSL_PARAM_BLD_push_*` keeps the key, string and
    /// octet pointers it is given (design §9), so `push` takes them from an `OSSLParamStorage` that outlives both the
    /// builder and the parameters.
    private static func build(type: String, push: (OpaquePointer, OSSLParamStorage) -> Bool) -> JWKPublicKey? {
        let names = OSSLParamStorage()
        defer { names.free() }
        guard let builder = OSSL_PARAM_BLD_new() else { return nil }
        defer { OSSL_PARAM_BLD_free(builder) }
        guard push(builder, names), let params = OSSL_PARAM_BLD_to_param(builder) else { return nil }
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { return nil }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_fromdata_init(ctx) == 1,
            EVP_PKEY_fromdata(ctx, &pkey, gw_evp_pkey_public_key_selection(), params) == 1, let pkey
        else { return nil }
        return JWKPublicKey(pkey)
    }
}
