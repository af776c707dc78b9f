import Auth
import Foundation
import GatewayConfig
import HTTPFetch

/// Where the OAuth2 signing keys come from (`[oauth] jwks`, else the issuer's OpenID discovery document),
/// and how to load them. Loading blocks: it runs at startup and on `JWKSCache`'s background queue only.
enum JWKSSource: Sendable, CustomStringConvertible {
    /// A JWKS file on disk.
    case file(String)
    /// A JWKS document at an `http(s)` URL.
    case url(String, options: HTTPFetchOptions)
    /// `<issuer>/.well-known/openid-configuration`, whose `jwks_uri` names the JWKS.
    case discovery(issuer: String, options: HTTPFetchOptions)

    /// The source `section` configures, or nil when it names none.
    init?(_ section: OAuthSection) {
        let options = HTTPFetchOptions(caFile: section.jwksCaCert)
        if let jwks = section.jwks {
            if jwks.hasPrefix("http://") || jwks.hasPrefix("https://") {
                self = .url(jwks, options: options)
            } else {
                self = .file(jwks)
            }
        } else if let issuer = section.issuer {
            self = .discovery(issuer: issuer, options: options)
        } else {
            return nil
        }
    }

    var isFile: Bool {
        if case .file = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .file(let path): path
        case .url(let url, _): url
        case .discovery(let issuer, _): Self.discoveryURL(issuer) + " (OpenID discovery)"
        }
    }

    /// Reads or fetches the key set.
    func load() throws(OAuthError) -> JWKS {
        switch self {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw OAuthError(.jwksUnavailable, "cannot read the JWKS file \(path)")
            }
            return try Self.parse([UInt8](data), from: path)
        case .url(let url, let options):
            return try Self.parse(Self.fetch(url, options), from: url)
        case .discovery(let issuer, let options):
            let discovery = Self.discoveryURL(issuer)
            let document = try Self.fetch(discovery, options)
            guard let object = try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any],
                let jwksURI = object["jwks_uri"] as? String
            else {
                throw OAuthError(.jwksUnavailable, "\(discovery) is not an OpenID configuration with a jwks_uri")
            }
            return try Self.parse(Self.fetch(jwksURI, options), from: jwksURI)
        }
    }

    private static func discoveryURL(_ issuer: String) -> String {
        (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
    }

    private static func fetch(_ url: String, _ options: HTTPFetchOptions) throws(OAuthError) -> [UInt8] {
        do { return try HTTPFetcher.get(url, options: options) } catch {
            throw OAuthError(.jwksUnavailable, error.message)
        }
    }

    private static func parse(_ bytes: [UInt8], from origin: String) throws(OAuthError) -> JWKS {
        do { return try JWKS(json: bytes) } catch {
            throw OAuthError(.invalidJWKS, "\(origin): \(error.message)")
        }
    }
}
