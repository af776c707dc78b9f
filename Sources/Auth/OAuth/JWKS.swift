import Foundation

/// The authorization server's signing keys (a JSON Web Key Set, RFC 7517 §5), parsed once and shared.
///
/// Only keys this verifier can use are kept: RSA (≥ 2048 bits) for RS256 and EC P-256 for ES256, each with
/// a `kid`. Others (symmetric `oct` keys, other curves, encryption keys, malformed entries) are skipped
/// rather than failing the whole set, so a provider that publishes extra key types still works. The
/// bytes come from the caller (a file or an HTTP fetch elsewhere); this type does no I/O.
public struct JWKS: Sendable {
    /// The usable keys, in document order.
    public let keys: [JWK]

    /// Parses a JWKS document; throws `.invalidJWKS` when it is not a JSON object with a `keys` array.
    public init(json bytes: [UInt8]) throws(OAuthError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let entries = object["keys"] as? [Any]
        else { throw OAuthError(.invalidJWKS, "the JWKS is not a JSON object with a \"keys\" array") }
        keys = entries.compactMap { ($0 as? [String: Any]).flatMap(JWK.init(json:)) }
    }

    /// A set of already-parsed keys.
    public init(keys: [JWK]) {
        self.keys = keys
    }

    /// The key with `kid`, if any (the first, should a provider publish a `kid` twice).
    public func key(id: String) -> JWK? {
        keys.first { $0.keyId == id }
    }
}
