import Clocks

/// The "oauth" authentication backend: verifies a JWT presented as a password against the cached JWKS and
/// turns its scopes into grants.
///
/// Thread-safe and shared by every connection; verification runs on the caller's thread (an event loop, once
/// per login or `update-secret`), reading the key set from `JWKSCache` without I/O.
public final class OAuthBackend: Sendable {
    public let configuration: OAuthConfiguration
    public let keys: JWKSCache

    public init(configuration: OAuthConfiguration, keys: JWKSCache) {
        self.configuration = configuration
        self.keys = keys
    }

    /// True when `password` looks like a JWT (a compact JWS starts with the base64url of `{"`, i.e. `ey`).
    public static func looksLikeToken(_ password: [UInt8]) -> Bool {
        password.count > 2 && password[0] == UInt8(ascii: "e") && password[1] == UInt8(ascii: "y")
    }

    /// The credential `token` carries, or why it is refused. A `kid` missing from the cached keys also asks the
    /// cache for a refresh, so a rotated key is picked up for the client's next attempt.
    public func verify(token: [UInt8]) throws(OAuthError) -> TokenCredential {
        guard let keys = keys.currentKeys() else {
            throw OAuthError(.jwksUnavailable, "no signing keys are available yet from \(self.keys.source)")
        }
        let text = String(decoding: token, as: UTF8.self)
        do {
            let verified = try JWTVerifier.verify(
                token: text, keys: keys, configuration: configuration, now: Int64(MonotonicClock.unixSeconds()))
            return TokenCredential(
                token: verified, grants: OAuthGrants(scopes: verified.scopes, configuration: configuration),
                deadline: verified.expiresAt + configuration.leewaySeconds)
        } catch {
            if error.reason == .unknownKey { self.keys.keyMissing() }
            throw error
        }
    }
}
