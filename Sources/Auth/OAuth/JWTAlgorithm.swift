/// The JWS algorithms the verifier accepts (RFC 7518 §3.1): an allowlist, so `none` and the HMAC family
/// (whose "key" an attacker could take from the public JWKS) can never be selected by a token header.
public enum JWTAlgorithm: String, Sendable, Equatable {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256 = "RS256"
    /// ECDSA on P-256 with SHA-256; the JWS signature is raw `r ‖ s` (RFC 7518 §3.4).
    case es256 = "ES256"
}
