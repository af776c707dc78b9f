/// One usable public key from a JWKS (RFC 7517 §4): its id, the one algorithm it may verify, and the
/// OpenSSL key built from its parameters.
public struct JWK: Sendable {
    /// The `kid` a token header must name to select this key.
    public let keyId: String
    /// The key's `alg` when the JWK states one, else the algorithm its `kty`/`crv` implies (RSA → RS256,
    /// EC P-256 → ES256). A token whose header names another algorithm is refused, so an RSA key can never
    /// be used as an HMAC secret or with a different padding.
    public let algorithm: JWTAlgorithm
    let key: JWKPublicKey

    /// The key described by one JWKS entry, or nil when it is unusable here: no `kid`, a `kty` other than
    /// RSA/EC, a curve other than P-256, an `alg` other than RS256/ES256 or not matching the key type, `use`
    /// other than `sig`, or parameters OpenSSL refuses.
    init?(json: [String: Any]) {
        guard let kid = json["kid"] as? String, !kid.isEmpty, let kty = json["kty"] as? String else { return nil }
        if let use = json["use"] as? String, use != "sig" { return nil }
        let implied: JWTAlgorithm
        let key: JWKPublicKey?
        switch kty {
        case "RSA":
            implied = .rs256
            guard let n = (json["n"] as? String).flatMap({ Base64URL.decode($0.utf8) }),
                let e = (json["e"] as? String).flatMap({ Base64URL.decode($0.utf8) })
            else { return nil }
            key = .rsa(modulus: n, exponent: e)
        case "EC":
            implied = .es256
            guard json["crv"] as? String == "P-256",
                let x = (json["x"] as? String).flatMap({ Base64URL.decode($0.utf8) }),
                let y = (json["y"] as? String).flatMap({ Base64URL.decode($0.utf8) })
            else { return nil }
            key = .p256(x: x, y: y)
        default:
            return nil
        }
        if let alg = json["alg"] {
            guard let name = alg as? String, JWTAlgorithm(rawValue: name) == implied else { return nil }
        }
        guard let key else { return nil }
        self.keyId = kid
        self.algorithm = implied
        self.key = key
    }
}
