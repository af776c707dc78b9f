import Foundation
import JWTTestSupport
import Testing

@testable import Auth

@Suite("JWT verification")
struct JWTVerifierTests {
    static let now: Int64 = 1_700_000_000
    static let keys = TestSigningKeys.shared
    static let config = OAuthConfiguration(
        issuer: "https://idp.example", audience: "gateway-api", resourceServerId: "gateway")

    static func jwks() throws -> JWKS {
        let k = keys
        let document: [String: Any] = [
            "keys": [
                [
                    "kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig",
                    "n": TestJWTSigner.base64url(k.n), "e": TestJWTSigner.base64url(k.e),
                ],
                [
                    "kty": "EC", "kid": "ec1", "crv": "P-256",
                    "x": TestJWTSigner.base64url(k.x), "y": TestJWTSigner.base64url(k.y),
                ],
                ["kty": "oct", "kid": "hmac", "k": "c2VjcmV0"],
                ["kty": "RSA", "kid": "rsa-as-es", "alg": "ES256", "n": TestJWTSigner.base64url(k.n), "e": "AQAB"],
                ["kty": "EC", "kid": "p384", "crv": "P-384", "x": "AA", "y": "AA"],
                [
                    "kty": "EC", "kid": "off-curve", "crv": "P-256", "x": TestJWTSigner.base64url(k.x),
                    "y": TestJWTSigner.base64url(k.x),
                ],
            ]
        ]
        return try JWKS(json: TestJWTSigner.json(document))
    }

    static func claims(_ changes: [String: Any?] = [:]) -> [String: Any] {
        var c: [String: Any] = [
            "sub": "alice", "iss": "https://idp.example", "aud": "gateway", "exp": now + 3600, "iat": now - 10,
            "nbf": now - 10, "scope": "gateway.read:*/* gateway.tag:management",
        ]
        for (key, value) in changes { c[key] = value }
        return c
    }

    static func rs256(header: [String: Any] = ["alg": "RS256", "kid": "rsa1", "typ": "JWT"], _ claims: [String: Any])
        -> String
    {
        TestJWTSigner.token(header: header, claims: claims, signature: .rs256(pem: keys.rsaPrivatePEM))
    }

    static func es256(_ claims: [String: Any]) -> String {
        TestJWTSigner.token(
            header: ["alg": "ES256", "kid": "ec1"], claims: claims, signature: .es256(pem: keys.ecPrivatePEM))
    }

    func verify(_ token: String, _ config: OAuthConfiguration = config) throws(OAuthError) -> VerifiedToken {
        try JWTVerifier.verify(token: token, keys: try! Self.jwks(), configuration: config, now: Self.now)
    }

    func refusal(_ token: String, _ config: OAuthConfiguration = config) -> OAuthError? {
        do {
            _ = try verify(token, config)
            return nil
        } catch {
            return error
        }
    }

    @Test("JWKS keeps usable RSA and P-256 keys and skips oct, mismatched alg, other curves and off-curve points")
    func jwksParsing() throws {
        let set = try Self.jwks()
        #expect(set.keys.map(\.keyId) == ["rsa1", "ec1"])
        #expect(set.keys.map(\.algorithm) == [.rs256, .es256])
        #expect(throws: OAuthError.self) { try JWKS(json: Array("[1,2]".utf8)) }
        #expect(throws: OAuthError.self) { try JWKS(json: Array("not json".utf8)) }
        #expect(try JWKS(json: Array(#"{"keys":[]}"#.utf8)).keys.isEmpty)
    }

    @Test("a valid RS256 token yields the sub claim, exp and the space-separated scopes")
    func validRS256() throws {
        let token = try verify(Self.rs256(Self.claims()))
        #expect(
            token
                == VerifiedToken(
                    username: "alice", expiresAt: Self.now + 3600,
                    scopes: ["gateway.read:*/*", "gateway.tag:management"]))
    }

    @Test("a valid ES256 token yields client_id when sub is absent, and scopes from scope arrays and scp")
    func validES256() throws {
        let claims = Self.claims([
            "sub": nil, "client_id": "svc-1", "aud": ["other", "gateway-api"],
            "scope": ["gateway.write:v/x"], "scp": "gateway.read:v/q",
        ])
        let token = try verify(Self.es256(claims))
        #expect(
            token
                == VerifiedToken(
                    username: "svc-1", expiresAt: Self.now + 3600, scopes: ["gateway.write:v/x", "gateway.read:v/q"]))
        let grants = OAuthGrants(scopes: token.scopes, configuration: Self.config)
        #expect(grants.permissions(vhost: "v") == Permissions(configure: "", write: "^x$", read: "^q$"))
    }

    @Test("preferred username claims are tried in the configured order")
    func usernameClaims() throws {
        var config = Self.config
        config.preferredUsernameClaims = ["preferred_username", "sub"]
        #expect(try verify(Self.rs256(Self.claims(["preferred_username": "Alice A."])), config).username == "Alice A.")
        #expect(try verify(Self.rs256(Self.claims()), config).username == "alice")
        config.preferredUsernameClaims = ["email"]
        #expect(refusal(Self.rs256(Self.claims()), config)?.reason == .missingUsername)
    }

    @Test("time checks: exp within the leeway passes, nbf and iat within the leeway pass")
    func leeway() throws {
        _ = try verify(Self.rs256(Self.claims(["exp": Self.now - 30, "nbf": Self.now + 30, "iat": Self.now + 30])))
        var strict = Self.config
        strict.leewaySeconds = 0
        #expect(refusal(Self.rs256(Self.claims(["exp": Self.now])), strict)?.reason == .expired)
    }

    @Test("audience and issuer checks follow the configuration")
    func audienceAndIssuer() throws {
        _ = try verify(Self.rs256(Self.claims(["aud": ["gateway-api"]])))
        var noAudienceCheck = Self.config
        noAudienceCheck.verifyAudience = false
        _ = try verify(Self.rs256(Self.claims(["aud": "someone-else"])), noAudienceCheck)
        _ = try verify(Self.rs256(Self.claims(["iss": "anyone"])), OAuthConfiguration(resourceServerId: "gateway"))
        #expect(refusal(Self.rs256(Self.claims(["iss": nil])))?.reason == .wrongIssuer)
        #expect(refusal(Self.rs256(Self.claims(["aud": nil])))?.reason == .wrongAudience)
    }

    static func flipSignatureByte(_ token: String) -> String {
        var parts = token.split(separator: ".").map(String.init)
        var signature = Array(Data(base64Encoded: Self.padded(parts[2]))!)
        signature[signature.count / 2] ^= 0x01
        parts[2] = TestJWTSigner.base64url(signature)
        return parts.joined(separator: ".")
    }

    static func padded(_ base64url: String) -> String {
        let s = base64url.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return s + String(repeating: "=", count: (4 - s.count % 4) % 4)
    }

    static func tamperedPayload() -> String {
        let token = rs256(claims())
        let parts = token.split(separator: ".").map(String.init)
        let forged = TestJWTSigner.base64url(TestJWTSigner.json(claims(["sub": "admin"])))
        return [parts[0], forged, parts[2]].joined(separator: ".")
    }

    static let refusals: [(String, String, OAuthError.Reason)] = [
        (
            "alg none",
            TestJWTSigner.token(header: ["alg": "none", "kid": "rsa1"], claims: claims(), signature: .none),
            .unsupportedAlgorithm
        ),
        (
            "HS256 signed with the RSA public key as secret",
            TestJWTSigner.token(
                header: ["alg": "HS256", "kid": "rsa1"], claims: claims(), signature: .hs256(secret: keys.rsaPublicPEM)),
            .unsupportedAlgorithm
        ),
        (
            "crit header", rs256(header: ["alg": "RS256", "kid": "rsa1", "crit": ["exp"]], claims()),
            .unsupportedAlgorithm
        ),
        ("unknown kid", rs256(header: ["alg": "RS256", "kid": "rotated-away"], claims()), .unknownKey),
        ("missing kid", rs256(header: ["alg": "RS256"], claims()), .unknownKey),
        (
            "RS256 header naming the EC key", rs256(header: ["alg": "RS256", "kid": "ec1"], claims()),
            .algorithmMismatch
        ),
        ("RS256 signature with one flipped byte", flipSignatureByte(rs256(claims())), .badSignature),
        ("ES256 signature with one flipped byte", flipSignatureByte(es256(claims())), .badSignature),
        ("payload changed after signing", tamperedPayload(), .badSignature),
        ("expired", rs256(claims(["exp": now - 120])), .expired),
        ("no exp", rs256(claims(["exp": nil])), .missingExpiry),
        ("nbf in the future", rs256(claims(["nbf": now + 300])), .notYetValid),
        ("iat in the future", es256(claims(["iat": now + 300])), .notYetValid),
        ("wrong iss", rs256(claims(["iss": "https://evil.example"])), .wrongIssuer),
        ("wrong aud", rs256(claims(["aud": ["other", "another"]])), .wrongAudience),
        ("two parts", rs256(claims()).split(separator: ".").prefix(2).joined(separator: "."), .malformed),
        ("four parts", rs256(claims()) + ".e30", .malformed),
        (
            "bad base64 in the header",
            "ey!!." + rs256(claims()).split(separator: ".").dropFirst().joined(separator: "."),
            .malformed
        ),
        ("bad base64 in the signature", rs256(claims()) + "*", .malformed),
        ("header not a JSON object", TestJWTSigner.base64url(Array("[1]".utf8)) + ".e30.AAAA", .malformed),
        ("64 KiB token", "ey" + String(repeating: "A", count: 64 * 1024), .tokenTooLarge),
    ]

    @Test("refused tokens", arguments: refusals)
    func refused(name: String, token: String, reason: OAuthError.Reason) {
        let error = refusal(token)
        #expect(error?.reason == reason, "\(name): \(error?.message ?? "accepted")")
        if let error {
            let signature = String(token.split(separator: ".").last ?? "")
            #expect(signature.count < 8 || !error.message.contains(signature), "\(name): message leaks the token")
        }
    }

    @Test("the size limit applies before parsing: one byte over 16 KiB is refused, 16 KiB is parsed")
    func sizeLimit() {
        let atLimit = String(repeating: "A", count: JWTVerifier.maximumTokenLength)
        #expect(refusal(atLimit)?.reason == .malformed)
        #expect(refusal(atLimit + "A")?.reason == .tokenTooLarge)
    }
}
