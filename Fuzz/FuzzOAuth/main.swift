import CLibFuzzer
import Glibc
import JWTTestSupport

@testable import Auth

/// One fuzz input for the OAuth 2.0 parsers. The first byte picks what the rest is:
/// 0: a token for `JWTVerifier`, as a client sends it in the password field;
/// 1: a token header and claims JSON separated by a zero byte, which the harness encodes and signs with the JWKS's
///    RSA key (bit 2 of the first byte set) or EC key, so the claim checks after the signature are reached too;
/// 2: a JWKS document for `JWKS(json:)`;
/// 3: space-separated scopes for `OAuthGrants`, whose permissions and topic permissions for every vhost and
///    exchange a scope names must compile, as the authorizer compiles them, and match those names.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOAuth(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 4 {
    case 0: verify(String(decoding: bytes, as: UTF8.self))
    case 1: verifySigned(bytes, rsa: data[0] & 0x04 != 0)
    case 2: _ = try? JWKS(json: bytes)
    default: checkGrants(String(decoding: bytes, as: UTF8.self))
    }
    return 0
}

private let configuration = OAuthConfiguration(
    issuer: "https://idp.example", audience: "gateway-api", resourceServerId: "gateway")
private let now: Int64 = 1_700_000_000
private let signingKeys = TestSigningKeys.shared.jwks

private func verify(_ token: String) {
    let keys = signingKeys
    guard let verified = try? JWTVerifier.verify(token: token, keys: keys, configuration: configuration, now: now)
    else { return }
    precondition(!verified.username.isEmpty, "a verified token with an empty user name")
    precondition(verified.expiresAt > now - configuration.leewaySeconds, "a verified token that has expired")
}

private func verifySigned(_ bytes: [UInt8], rsa: Bool) {
    let separator = bytes.firstIndex(of: 0) ?? bytes.endIndex
    let header = TestJWTSigner.base64url(Array(bytes[..<separator]))
    let claims = TestJWTSigner.base64url(Array(bytes[min(separator + 1, bytes.endIndex)...]))
    let input = header + "." + claims
    let keys = TestSigningKeys.shared
    let signature = TestJWTSigner.sign(
        Array(input.utf8), rsa ? .rs256(pem: keys.rsaPrivatePEM) : .es256(pem: keys.ecPrivatePEM))
    verify(input + "." + TestJWTSigner.base64url(signature))
}

private func checkGrants(_ text: String) {
    let scopes = text.split(separator: " ").map(String.init)
    let grants = OAuthGrants(scopes: scopes, configuration: configuration)
    for rule in grants.rules {
        let vhost = example(rule.vhost)
        let name = example(rule.name)
        guard let permissions = grants.permissions(vhost: vhost) else {
            preconditionFailure("no permissions on vhost \(vhost) named by a scope")
        }
        let grant: PermissionGrant
        do {
            grant = try PermissionGrant(permissions)
        } catch {
            preconditionFailure("scope permissions do not compile: \(error)")
        }
        precondition(grant.pattern(for: rule.kind).matches(name), "\(rule.kind) pattern does not match \(name)")
        if let topic = grants.topicPermissions(vhost: vhost, exchange: name) {
            do {
                _ = try TopicGrant(topic)
            } catch {
                preconditionFailure("scope topic permissions do not compile: \(error)")
            }
        }
        for topic in grants.topicPermissions(vhost: vhost) {
            do {
                _ = try TopicGrant(topic)
            } catch {
                preconditionFailure("scope topic permissions do not compile: \(error)")
            }
        }
    }
}

/// A name `glob` matches: its `*`s replaced by one character.
private func example(_ glob: String) -> String {
    String(String.UnicodeScalarView(glob.unicodeScalars.map { $0 == "*" ? "x" : $0 }))
}

exit(gateway_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzOAuth(data!, size) })
