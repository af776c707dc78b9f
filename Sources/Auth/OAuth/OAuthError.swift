/// Why an OAuth2 token or a JWKS was refused.
///
/// Messages name the failed check and, where useful, the claim or header value that failed it (an `alg`,
/// a `kid`, an issuer), but never the token itself or its signature, so they are safe to log and to send
/// back in a connection-refused reply.
public struct OAuthError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The failed check, for callers that map refusals to protocol replies or metrics.
    public enum Reason: Sendable, Equatable {
        /// The token is longer than `JWTVerifier.maximumTokenLength`; refused before any parsing.
        case tokenTooLarge
        /// Not three base64url parts, a part that is not base64url, or a header/payload that is not a JSON object.
        case malformed
        /// The header's `alg` is not RS256 or ES256 (this includes `none` and every HS*), or it lists `crit`
        /// extensions this verifier does not understand.
        case unsupportedAlgorithm
        /// No key in the JWKS has the header's `kid`.
        case unknownKey
        /// The key with that `kid` is bound to a different algorithm than the header's `alg`.
        case algorithmMismatch
        /// The signature does not verify with the key.
        case badSignature
        /// `exp` is missing or not a number.
        case missingExpiry
        /// `exp` is in the past (beyond the leeway).
        case expired
        /// `nbf` or `iat` is in the future (beyond the leeway).
        case notYetValid
        /// `iss` differs from the configured issuer.
        case wrongIssuer
        /// `aud` contains neither the configured audience nor the resource server id.
        case wrongAudience
        /// None of `preferredUsernameClaims` is present as a non-empty string.
        case missingUsername
        /// The JWKS document is not a JSON object with a `keys` array.
        case invalidJWKS
        /// The JWKS could not be read or fetched (no keys are known yet).
        case jwksUnavailable
    }

    public let reason: Reason
    /// A sentence an operator can act on; contains no token material.
    public let message: String

    public var description: String { message }

    /// An error of `reason` with an operator-facing `message` (which must not contain token material).
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}
