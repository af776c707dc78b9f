import Auth
import COpenSSL

/// An RSA 2048 and an EC P-256 key pair generated once per process through OpenSSL, as PEM, with the public
/// parameters a JWKS publishes (n, e, x, y). Shared by the OAuth unit tests and the
/// OAuth fuzz harness.
public struct TestSigningKeys: Sendable {
    public let rsaPrivatePEM: [UInt8]
    public let ecPrivatePEM: [UInt8]
    public let rsaPublicPEM: [UInt8]
    public let n: [UInt8]
    public let e: [UInt8]
    public let x: [UInt8]
    public let y: [UInt8]

    public static let shared = TestSigningKeys()

    /// A JWKS publishing both keys: the RSA key as kid `rsa1` (RS256), the EC key as kid `ec1` (ES256).
    public var jwks: JWKS {
        let document: [String: Any] = [
            "keys": [
                [
                    "kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig",
                    "n": TestJWTSigner.base64url(n), "e": TestJWTSigner.base64url(e),
                ],
                [
                    "kty": "EC", "kid": "ec1", "crv": "P-256", "x": TestJWTSigner.base64url(x),
                    "y": TestJWTSigner.base64url(y),
                ],
            ]
        ]
        return try! JWKS(json: TestJWTSigner.json(document))
    }

    private init() {
        let rsa = Self.generate("RSA") { EVP_PKEY_CTX_set_rsa_keygen_bits($0, 2048) }
        defer { EVP_PKEY_free(rsa) }
        let ec = Self.generate("EC") { EVP_PKEY_CTX_set_group_name($0, "P-256") }
        defer { EVP_PKEY_free(ec) }
        rsaPrivatePEM = Self.pem { PEM_write_bio_PrivateKey($0, rsa, nil, nil, 0, nil, nil) }
        ecPrivatePEM = Self.pem { PEM_write_bio_PrivateKey($0, ec, nil, nil, 0, nil, nil) }
        rsaPublicPEM = Self.pem { PEM_write_bio_PUBKEY($0, rsa) }
        n = Self.bignum(rsa, "n", width: nil)
        e = Self.bignum(rsa, "e", width: nil)
        x = Self.bignum(ec, "qx", width: 32)
        y = Self.bignum(ec, "qy", width: 32)
    }

    /// The private key in `pem` (PKCS#8 or SEC1), owned by the caller.
    public static func privateKey(_ pem: [UInt8]) -> OpaquePointer {
        let bio = pem.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32(pem.count)) }!
        defer { BIO_free(bio) }
        return PEM_read_bio_PrivateKey(bio, nil, nil, nil)!
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

    private static func generate(_ type: String, _ configure: (OpaquePointer) -> Int32) -> OpaquePointer {
        let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil)!
        defer { EVP_PKEY_CTX_free(ctx) }
        precondition(EVP_PKEY_keygen_init(ctx) == 1 && configure(ctx) == 1, "cannot set up \(type) key generation")
        var key: OpaquePointer?
        precondition(EVP_PKEY_generate(ctx, &key) == 1, "cannot generate a \(type) key")
        return key!
    }

    /// What `write` puts into a memory BIO, as bytes.
    private static func pem(_ write: (OpaquePointer) -> Int32) -> [UInt8] {
        let bio = BIO_new(BIO_s_mem())!
        defer { BIO_free(bio) }
        precondition(write(bio) == 1, "cannot write a PEM")
        var out = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        precondition(BIO_read(bio, &out, Int32(out.count)) == Int32(out.count))
        return out
    }
}
