import COpenSSL
import Foundation

/// Verifies a JWT (a compact JWS, RFC 7515 §7.1) presented as a password and extracts the user it names.
///
/// Checks, in order, each failing with its own `OAuthError.Reason`:
/// 1. length ≤ `maximumTokenLength`, before anything is parsed (a password field can carry megabytes);
/// 2. exactly three base64url parts, header and payload JSON objects;
/// 3. header `alg` is RS256 or ES256 (`none` and HS* refused, RFC 8725 §3.1) and no `crit` (RFC 7515 §4.1.11);
/// 4. header `kid` names a key of the JWKS, and that key is bound to the header's `alg`;
/// 5. the signature over the ASCII `header.payload` verifies;
/// 6. `exp` present and `> now - leeway` (RFC 7519 §4.1.4); `nbf` and `iat`, when present, `≤ now + leeway`;
/// 7. `iss` equals the configured issuer, when one is configured;
/// 8. `aud` (a string or an array) contains the configured audience or resource server id, when
///    `verifyAudience` is on and either is configured;
/// 9. a user name from the first present claim of `preferredUsernameClaims`.
///
/// The signature is checked before any claim is trusted, so claim errors are only reported for tokens the
/// authorization server really issued. Foundation is used for JSON only; this runs once per connection
/// (and per `update-secret`), never per message.
public enum JWTVerifier {
    /// Longest token accepted: 16 KiB, far above real access tokens (typically 1-4 KiB).
    public static let maximumTokenLength = 16 * 1024

    /// The verified token, or the first check it fails. `now` is the current unix time in seconds.
    public static func verify(
        token: String, keys: JWKS, configuration: OAuthConfiguration, now: Int64
    ) throws(OAuthError) -> VerifiedToken {
        let bytes = Array(token.utf8)
        guard bytes.count <= maximumTokenLength else {
            throw OAuthError(.tokenTooLarge, "the token is longer than \(maximumTokenLength) bytes")
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw OAuthError(.malformed, "the token does not have three dot-separated parts")
        }
        let header = try jsonObject(parts[0], part: "header")
        guard let algName = header["alg"] as? String, let algorithm = JWTAlgorithm(rawValue: algName) else {
            let shown = (header["alg"] as? String).map { "\"\(printable($0))\"" } ?? "missing"
            throw OAuthError(.unsupportedAlgorithm, "token algorithm \(shown) is not allowed (RS256 or ES256 only)")
        }
        guard header["crit"] == nil else {
            throw OAuthError(.unsupportedAlgorithm, "the token header lists critical extensions (crit)")
        }
        guard let kid = header["kid"] as? String, let key = keys.key(id: kid) else {
            let shown = (header["kid"] as? String).map { "\"\(printable($0))\"" } ?? "missing"
            throw OAuthError(.unknownKey, "token key id \(shown) is not in the JWKS")
        }
        guard key.algorithm == algorithm else {
            throw OAuthError(
                .algorithmMismatch,
                "key \"\(printable(kid))\" is for \(key.algorithm.rawValue), the token uses \(algorithm.rawValue)")
        }
        guard let signature = Base64URL.decode(parts[2]), !signature.isEmpty else {
            throw OAuthError(.malformed, "the token signature is not base64url")
        }
        let signingInput = bytes[..<parts[1].endIndex]
        guard verifySignature(signature, of: signingInput, key: key) else {
            throw OAuthError(.badSignature, "the token signature does not verify with key \"\(printable(kid))\"")
        }

        let claims = try jsonObject(parts[1], part: "payload")
        let expiresAt = try checkTimes(claims, configuration: configuration, now: now)
        try checkIssuer(claims, configuration: configuration)
        try checkAudience(claims, configuration: configuration)
        guard
            let username = configuration.preferredUsernameClaims.lazy.compactMap({ claims[$0] as? String })
                .first(where: { !$0.isEmpty })
        else {
            let names = configuration.preferredUsernameClaims.joined(separator: ", ")
            throw OAuthError(.missingUsername, "the token has none of the user name claims (\(names))")
        }
        return VerifiedToken(username: username, expiresAt: expiresAt, scopes: scopes(claims))
    }

    /// RS256 verifies the PKCS#1 signature as is; ES256 first turns the JWS `r ‖ s` (RFC 7518 §3.4) into
    /// the DER `ECDSA-Sig-Value` OpenSSL expects.
    private static func verifySignature(_ signature: [UInt8], of input: ArraySlice<UInt8>, key: JWK) -> Bool {
        switch key.algorithm {
        case .rs256:
            return key.key.verifySHA256(signature: signature, message: input)
        case .es256:
            guard signature.count == 64, let der = derSignature(r: signature[..<32], s: signature[32...]) else {
                return false
            }
            return key.key.verifySHA256(signature: der, message: input)
        }
    }

    /// `r` and `s` as a DER `ECDSA-Sig-Value` through `ECDSA_SIG`, or nil when OpenSSL refuses them.
    private static func derSignature(r: ArraySlice<UInt8>, s: ArraySlice<UInt8>) -> [UInt8]? {
        guard let sig = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(sig) }
        let rn = r.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        let sn = s.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        guard let rn, let sn, ECDSA_SIG_set0(sig, rn, sn) == 1 else {
            BN_free(rn)
            BN_free(sn)
            return nil
        }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(sig, &cursor)
        }
        return written == length ? der : nil
    }

    /// Checks `exp`, `nbf` and `iat`; returns `exp`.
    private static func checkTimes(
        _ claims: [String: Any], configuration: OAuthConfiguration, now: Int64
    ) throws(OAuthError) -> Int64 {
        let leeway = max(configuration.leewaySeconds, 0)
        guard let exp = seconds(claims["exp"]) else {
            throw OAuthError(.missingExpiry, "the token has no numeric exp claim")
        }
        guard exp > now - leeway else {
            throw OAuthError(.expired, "the token expired at \(exp) (now \(now), leeway \(leeway) s)")
        }
        for name in ["nbf", "iat"] {
            guard let value = claims[name] else { continue }
            guard let time = seconds(value) else {
                throw OAuthError(.malformed, "the token's \(name) claim is not a number")
            }
            guard time <= now + leeway else {
                throw OAuthError(
                    .notYetValid, "the token's \(name) is \(time), in the future (now \(now), leeway \(leeway) s)")
            }
        }
        return exp
    }

    private static func checkIssuer(_ claims: [String: Any], configuration: OAuthConfiguration) throws(OAuthError) {
        guard let issuer = configuration.issuer else { return }
        guard let iss = claims["iss"] as? String, iss == issuer else {
            let shown = (claims["iss"] as? String).map { "\"\(printable($0))\"" } ?? "missing"
            throw OAuthError(.wrongIssuer, "token issuer \(shown) is not \"\(issuer)\"")
        }
    }

    private static func checkAudience(_ claims: [String: Any], configuration: OAuthConfiguration) throws(OAuthError) {
        guard configuration.verifyAudience else { return }
        let accepted = [configuration.audience, configuration.resourceServerId].compactMap { $0 }
        guard !accepted.isEmpty else { return }
        let audiences: [String] =
            if let one = claims["aud"] as? String { [one] } else {
                (claims["aud"] as? [Any])?.compactMap { $0 as? String } ?? []
            }
        guard audiences.contains(where: accepted.contains) else {
            throw OAuthError(
                .wrongAudience,
                "the token audience does not contain \(accepted.map { "\"\($0)\"" }.joined(separator: " or "))")
        }
    }

    /// `scope` (space-separated string or array, RFC 8693 §4.2 / common practice) and `scp` (Azure AD, Okta).
    private static func scopes(_ claims: [String: Any]) -> [String] {
        var result: [String] = []
        for name in ["scope", "scp"] {
            if let text = claims[name] as? String {
                result += text.split(separator: " ").map(String.init)
            } else if let list = claims[name] as? [Any] {
                result += list.compactMap { $0 as? String }.filter { !$0.isEmpty }
            }
        }
        return result
    }

    /// A JSON number claim as whole seconds (fractions truncated); nil for anything else.
    private static func seconds(_ value: Any?) -> Int64? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.isFinite, abs(double) < 9.0e18 else { return nil }
        return Int64(double)
    }

    private static func jsonObject(_ part: ArraySlice<UInt8>, part name: String) throws(OAuthError) -> [String: Any] {
        guard let decoded = Base64URL.decode(part) else {
            throw OAuthError(.malformed, "the token \(name) is not base64url")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(decoded)) as? [String: Any] else {
            throw OAuthError(.malformed, "the token \(name) is not a JSON object")
        }
        return object
    }

    /// A header or claim value for a log line: at most 64 characters, control characters replaced.
    private static func printable(_ value: String) -> String {
        let cleaned = String(
            value.unicodeScalars.prefix(64).map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        return value.unicodeScalars.count > 64 ? cleaned + "…" : cleaned
    }
}
